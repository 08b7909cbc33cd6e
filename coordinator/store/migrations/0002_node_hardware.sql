-- 0002: the full hardware inventory an agent reports (protobuf JSON of bmf.proto.Inventory).
ALTER TABLE nodes ADD COLUMN hardware TEXT NOT NULL DEFAULT '{}';
