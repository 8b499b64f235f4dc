# SMTP host checks
error-smtp-host-invalid = The SMTP host must be a host name or an IP address, without a scheme or a port.
error-smtp-host-unresolvable = The SMTP host name does not resolve.
error-smtp-host-private = The SMTP host is an internal address (loopback, private, link-local or metadata). Ask the operator to set FLICKET_SMTP_ALLOW_PRIVATE if this is intended.
error-smtp-port = The SMTP port must be 25, 465, 587 or 2525.
