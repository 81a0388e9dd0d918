"""Who may do what: officers' roles, passwords, sessions, API tokens and the audit trail.

The CLI, campaign files, the desk and the API all reach the queue through `queue/`, which asks
`authorize` here before every change: one place decides whether a change is allowed.
"""
