"""SSH key pairs: create (a generated key), register, list, delete (ManagementServerImpl.createSSHKeyPair /
registerSSHKeyPair / listSSHKeyPairs / deleteSSHKeyPair). Only registering makes an event."""

import base64
import os

from .. import errors
from ..contract import SUCCESS, api
from ..model.keypairs import generated_public_key, key_fingerprint, normalized_key
from ..views.common import public
from .filters import keyword_filter


def _save(ctx, owner, name, publickey):
    return ctx.store.add("sshkeypair", ctx.owned({"name": name, "fingerprint": key_fingerprint(publickey),
                                                  "publickey": publickey}, owner))


@api("createSSHKeyPair")
def create_ssh_key_pair(ctx):
    """A blank name is refused; a name the owner has is refused ("... already exists."); no event."""
    if not ctx.p["name"].strip():
        raise errors.invalid("Please specify a valid name for the key pair. The key name can't be empty")
    owner = ctx.owner()
    if ctx.store.first("sshkeypair", name=ctx.p["name"], accountid=owner["id"]):
        raise errors.invalid(f"A key pair with name '{ctx.p['name']}' already exists.")
    pair = _save(ctx, owner, ctx.p["name"], generated_public_key())
    body = base64.encodebytes(os.urandom(1190)).decode()
    return dict(public(pair), privatekey=f"-----BEGIN RSA PRIVATE KEY-----\n{body}-----END RSA PRIVATE KEY-----\n")


@api("registerSSHKeyPair")
def register_ssh_key_pair(ctx):
    """checkForKeyByName, then checkForKeyByPublicKey (which first checks the key material), then the key is
    kept as "<type> <base64>"; event REGISTER.SSH.KEYPAIR."""
    owner, name, material = ctx.owner(), ctx.p["name"], ctx.p["publickey"]
    if ctx.store.first("sshkeypair", name=name, accountid=owner["id"]):
        raise errors.invalid(f"A key pair with name '{name}' already exists for this account.")
    key = normalized_key(material)
    if ctx.store.first("sshkeypair", publickey=key, accountid=owner["id"]):
        raise errors.invalid(f"A key pair with key '{material}' already exists for this account.")
    pair = _save(ctx, owner, name, key)
    ctx.event("REGISTER.SSH.KEYPAIR", "Successfully completed registering ssh keypair", owner)
    return public(pair)


@api("listSSHKeyPairs")
def list_ssh_key_pairs(ctx):
    """The usual account scope; `keyword` matches the name or the fingerprint; the newest first (id descending)."""
    pairs = ctx.mine(ctx.store.all("sshkeypair"))
    if ctx.has("fingerprint"):
        pairs = [p for p in pairs if p["fingerprint"] == ctx.p["fingerprint"]]
    pairs = keyword_filter(ctx, pairs, "name", "fingerprint")
    return [public(p) for p in sorted(pairs, key=lambda p: p["_pk"], reverse=True)]


@api("deleteSSHKeyPair")
def delete_ssh_key_pair(ctx):
    """By name for the owner (the caller, or account+domainid); VMs using the key are not checked; no event."""
    owner = ctx.owner()
    pair = ctx.store.first("sshkeypair", name=ctx.p["name"], accountid=owner["id"])
    if pair is None:
        raise errors.invalid(f"A key pair with name '{ctx.p['name']}' does not exist for account {owner['name']} "
                             "in specified domain id")
    ctx.store.delete("sshkeypair", pair)
    return SUCCESS
