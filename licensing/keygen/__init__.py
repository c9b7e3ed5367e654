"""Keygen-compatible client endpoints: `/keygen/v1/` and `/keygen/v1/accounts/<account>/`.

Programs built with a Keygen (keygen.sh) client library validate, activate,
ping, deactivate and check out offline files here by changing only their base
URL and public key. Written from Keygen's public API documentation and the
wire format its clients send; every call runs through the same services as
our own API (`licensing.services`), with Keygen's JSON:API documents, codes
and `Keygen-Signature` around them. README, "Moving from Keygen", lists what
is served, what is not, and how each code maps.
"""
