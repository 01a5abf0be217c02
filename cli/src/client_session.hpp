// The terminal client's private folder and its signed-in session.
//
// Folder: client.state_dir if configured, else $BREAKWATER_HOME, else
// $XDG_CONFIG_HOME/breakwater (~/.config/breakwater); created mode 0700 and refused if
// anyone else can read it (state_dir.hpp). It holds session.json (0600, synced: the auth
// URL, CA file, tenant, user id and the refresh token) and the e2e state of each pairing.
//
// Refresh tokens rotate on every use (docs/protocol.md): access_token() saves the new
// refresh token durably BEFORE returning the access token, so a crash cannot leave the
// folder holding a dead token while the live one is lost. Tokens are never printed.
#pragma once

#include <string>

#include "bw/http/client.hpp"
#include "bw/result.hpp"

namespace bw::cli {

struct Session {
  std::string auth_url, ca_file, tenant, login, user_id, refresh_token;
};

// The folder (see above), made private if new. Errors: exposed or unusable folder.
Result<std::string> client_home(const std::string& configured);

Status save_session(const std::string& home, const Session& s);
// Errors: not signed in ("run breakwater login"), damaged file.
Result<Session> load_session(const std::string& home);

// A fresh access token from the stored refresh token (which rotates and is saved).
// Errors: signed out / expired session ("run breakwater login"), transport failures.
Result<std::string> access_token(const std::string& home, Session& s, http::Client& client);

}  // namespace bw::cli
