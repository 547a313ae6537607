"""What each command does, one module per group (`servelo_cli.parser` says what can be
typed and names these functions): `async def <action>(args, out) -> Exit`. Only the module
of the command that runs is imported."""
