"""The officers' desk: server-rendered pages behind sign-in. Each route parses the request, calls
`access/` or `queue/` (which decide what is allowed), and renders; state never changes on GET."""
