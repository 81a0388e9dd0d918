"""The CLI's command families; socialbot.cli.COMMANDS names each command's module, imported when it runs."""
