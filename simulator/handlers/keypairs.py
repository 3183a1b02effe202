"""SSH key pairs: create (a generated key), register, list, delete."""

import base64
import os

from .. import errors
from ..contract import SUCCESS, api
from ..model.keypairs import fingerprint_of, generated_public_key, key_blob
from ..views.common import public
from .filters import keyword_filter


def _new_keypair(ctx, owner, name, publickey):
    if ctx.store.first("sshkeypair", name=name, accountid=owner["id"]):
        raise errors.invalid(f"A key pair with name '{name}' already exists.")
    fingerprint = fingerprint_of(key_blob(publickey))
    if ctx.store.first("sshkeypair", fingerprint=fingerprint, accountid=owner["id"]):
        raise errors.invalid(f"A key pair with key '{publickey}' already exists for this account.")
    pair = ctx.store.add("sshkeypair", ctx.owned({"name": name, "fingerprint": fingerprint,
                                                  "publickey": publickey}, owner))
    ctx.event("REGISTER.SSH.KEYPAIR", f"SSH key pair {name}", owner)
    return pair


@api("createSSHKeyPair")
def create_ssh_key_pair(ctx):
    pair = _new_keypair(ctx, ctx.owner(), ctx.p["name"], generated_public_key())
    body = base64.encodebytes(os.urandom(1190)).decode()
    return dict(public(pair), privatekey=f"-----BEGIN RSA PRIVATE KEY-----\n{body}-----END RSA PRIVATE KEY-----\n")


@api("registerSSHKeyPair")
def register_ssh_key_pair(ctx):
    return public(_new_keypair(ctx, ctx.owner(), ctx.p["name"], ctx.p["publickey"].strip()))


@api("listSSHKeyPairs")
def list_ssh_key_pairs(ctx):
    pairs = ctx.mine(ctx.store.all("sshkeypair"))
    if ctx.has("fingerprint"):
        pairs = [p for p in pairs if p["fingerprint"] == ctx.p["fingerprint"]]
    return [public(p) for p in keyword_filter(ctx, pairs)]


@api("deleteSSHKeyPair")
def delete_ssh_key_pair(ctx):
    owner = ctx.owner()
    pair = ctx.store.first("sshkeypair", name=ctx.p["name"], accountid=owner["id"])
    if pair is None:
        raise errors.invalid(f"A key pair with name '{ctx.p['name']}' does not exist for account {owner['name']} "
                             "in specified domain id")
    ctx.store.delete("sshkeypair", pair)
    ctx.event("DELETE.SSH.KEYPAIR", f"SSH key pair {pair['name']}", owner)
    return SUCCESS
