"""The network's events (rallies, fringe meetings, livestreams) as public outputs: the /events page,
/events.ics, /events.json and the events embed; made from the events table that campaign files fill."""
