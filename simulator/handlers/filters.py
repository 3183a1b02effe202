"""The filters list commands share: id/ids/name/keyword, and fields equal to a parameter."""


def keyword_filter(ctx, items, *fields):
    """CloudStack's name/keyword list filters."""
    if ctx.has("id"):
        items = [i for i in items if i["id"] == ctx.p["id"]]
    if ctx.has("ids"):
        wanted = set(ctx.p["ids"])
        items = [i for i in items if i["id"] in wanted]
    if ctx.has("name"):
        items = [i for i in items if i.get("name") == ctx.p["name"]]
    if ctx.has("keyword"):
        kw = ctx.p["keyword"].lower()
        items = [i for i in items if any(kw in str(i.get(f, "")).lower() for f in fields or ("name",))]
    return items


def filter_eq(ctx, items, *names, as_text=False):
    """The items whose field equals the parameter of the same name, for each one given;
    as_text compares them as strings."""
    for name in names:
        if ctx.has(name):
            want = str(ctx.p[name]) if as_text else ctx.p[name]
            items = [i for i in items if (str(i.get(name)) if as_text else i.get(name)) == want]
    return items


def display_filter(ctx, items, param, field=None):
    """The list commands' display rule (BaseListAccountResourcesCmd.getDisplay, true by default): only the
    objects whose display flag equals `param`, itself root-admin-only (authorized = {RoleType.Admin}), so
    everybody, root admins included, lists only displayed objects unless a root admin asks for hidden ones."""
    flag = ctx.p.get(param)
    want = True if flag is None else bool(flag)
    return [i for i in items if bool(i.get(field or param, True)) == want]
