"""A small MCP server over stdio for glmchat's tests (GLMToolsTests/MCPToolSourceTests).

Tools: add (integers), echo (text), fail (an error result), die (the server exits in the middle of
the call), slow (sleeps; for cancellation). Started with the python that has the `mcp` package.
"""
import os

import anyio

try:  # mcp 2.x
    from mcp.server.mcpserver import MCPServer as Server
except ImportError:  # mcp 1.x
    from mcp.server.fastmcp import FastMCP as Server

server = Server("glmchat-test")


@server.tool()
def add(a: int, b: int) -> str:
    """Add two integers."""
    return str(a + b)


@server.tool()
def echo(text: str) -> str:
    """Give the text back unchanged."""
    return text


@server.tool()
def fail() -> str:
    """Always fails."""
    raise ValueError("this tool always fails")


@server.tool()
def die() -> str:
    """The server exits while answering."""
    os._exit(3)


@server.tool()
async def slow(seconds: float) -> str:
    """Sleeps, then answers (other calls are answered meanwhile)."""
    await anyio.sleep(seconds)
    return "woke up"


if __name__ == "__main__":
    server.run()
