"""The e-mail channel: SMTP intake, relay delivery, IMAP polling and MIME parsing."""
