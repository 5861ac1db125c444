"""The list of subcommand registrars, in the order ``--help`` shows them."""

from core.cli import data_cmds, library_cmds, transfer_cmds

REGISTRARS = [data_cmds.register, library_cmds.register, transfer_cmds.register]
