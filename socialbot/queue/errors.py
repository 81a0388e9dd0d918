"""What the queue refuses, for people: every message names the post and what to do."""


class QueueError(LookupError):
    """A reference that names nothing, or a change the delivery's state does not allow."""


class FilePostEdit(QueueError):
    """An edit of a post that a campaign file owns: it is made in the file (queue/sync.py)."""
