"""Collection rounds: fetch every due source, concurrently and politely, and store what is new."""
