package dovecottest

// configV23 is a Dovecot 2.3 configuration; @NAMES@ are replaced.
const configV23 = `# written by internal/dovecottest
base_dir = @DIR@/run
state_dir = @DIR@/state
instance_name = @NAME@
protocols = imap
listen = 127.0.0.1
log_path = @DIR@/dovecot.log
info_log_path = @DIR@/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u @PASSWD@
}
userdb {
  driver = passwd-file
  args = username_format=%u @PASSWD@
}
mail_location = maildir:@MAIL@/%u
mail_uid = @UID@
mail_gid = @GID@
first_valid_uid = 1
first_valid_gid = 1
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = @PORT@
  }
  inet_listener imaps {
    port = 0
  }
  service_count = 0
  process_min_avail = 2
  client_limit = 1000
}
service imap {
  process_limit = 1024
}
service anvil {
  chroot =
}
`

// configV24 is the same for Dovecot 2.4, whose settings were renamed.
const configV24 = `# written by internal/dovecottest
dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
base_dir = @DIR@/run
state_dir = @DIR@/state
instance_name = @NAME@
protocols = imap
listen = 127.0.0.1
log_path = @DIR@/dovecot.log
info_log_path = @DIR@/dovecot.log
ssl = no
auth_allow_cleartext = yes
auth_mechanisms = plain login
passdb passwd-file {
  passwd_file_path = @PASSWD@
  default_password_scheme = PLAIN
}
userdb passwd-file {
  passwd_file_path = @PASSWD@
}
mail_driver = maildir
mail_path = @MAIL@/%{user}
mail_uid = @UID@
mail_gid = @GID@
first_valid_uid = 1
first_valid_gid = 1
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  inet_listener imap {
    listen = 127.0.0.1
    port = @PORT@
  }
  inet_listener imaps {
    port = 0
  }
  restart_request_count = unlimited
  process_min_avail = 2
  client_limit = 1000
}
service imap {
  process_limit = 1024
}
service anvil {
  chroot =
}
`
