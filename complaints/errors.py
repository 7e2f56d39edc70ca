"""Errors intake reports to a channel, which turns them into its transport's answer.

    ComplaintBotError
     ├── UnknownComplaint        a follow-up names a complaint number that does not exist
     ├── ComplaintNotYours       a follow-up names another customer's complaint
     ├── NotAllowed              a person's role or departments do not allow this
     ├── InvalidMessage          the message breaks a limit (attachments, empty text)
     └── IgnoredMessage          machine mail that refers to no complaint: kept, not handled

`store.database.StoreUnavailable` is the one other error a channel must expect: the database
could not be reached, nothing was stored, and the sender should retry.
"""


class ComplaintBotError(Exception):
    """Base of the errors intake reports; the message is safe to show the sender."""


class UnknownComplaint(ComplaintBotError):
    pass


class ComplaintNotYours(ComplaintBotError):
    pass


class InvalidMessage(ComplaintBotError):
    pass


class IgnoredMessage(ComplaintBotError):
    pass


class NotAllowed(ComplaintBotError):
    """The person's role or departments do not allow this; the message says whose it is."""
