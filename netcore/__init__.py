"""netcore: network detection, ISP checks, the port plan and the router client.

No user interface here: this package never imports Textual.
"""
