"""The CLI's command families; importing each registers its commands on socialbot.cli.cli."""
