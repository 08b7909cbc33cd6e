#include "netconf/client/switch_connection.h"

namespace bmf::netconf {

Result<NetconfSession*> SwitchConnection::session() {
  if (session_ && !session_->keepalive().ok()) session_.reset();
  if (!session_) {
    BMF_ASSIGN_OR_RETURN(auto channel, SshChannel::open(target_));
    BMF_ASSIGN_OR_RETURN(session_, NetconfSession::open(std::move(channel)));
    ++opened_;
  }
  return session_.get();
}

}  // namespace bmf::netconf
