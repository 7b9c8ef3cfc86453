"""One module per command, each with ``run(config, args, out, err)``; ``cli`` imports only the one chosen."""
