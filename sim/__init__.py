"""negsim: agent-based negotiation simulator."""
