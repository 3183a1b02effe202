"""Conformance: domains, accounts, users, API keys and settings as Apache CloudStack 4.20 answers them, for root
admins, domain admins and users.

Each test's docstring names the Java class and method whose rule it checks (apache/cloudstack, read at
4.21.0.0-SNAPSHOT); simulator/rules/infra.md lists the rules.
"""

import pytest

from .test_infra_storage import api_error

DENIED = "Caller does not have permission to operate with provided resource."
PERSON = {"email": "p@example.com", "firstname": "P", "lastname": "Q", "password": "pw"}


@pytest.fixture(scope="module")
def domain_admin(server):
    return server.client("customers-admin")


def domain(api, name):
    return api.listDomains(name=name, listall=True)["domain"][0]


def user_of(api, account, domain_name="customers"):
    return api.listUsers(account=account, domainid=domain(api, domain_name)["id"])["user"][0]


# -- roles -----------------------------------------------------------------------------------------
def test_every_role_may_read_keys_it_may_see(admin, acme, domain_admin):
    """GetUserKeysCmd (authorized: every role) and AccountManagerImpl.getKeys: the owner, its domain's admins and
    root admins; anyone else gets DomainChecker's "Caller does not have permission to operate with provided
    resource." (531)."""
    acme_user = acme.listUsers()["user"][0]
    assert acme.getUserKeys(id=acme_user["id"])["userkeys"]["apikeyaccess"] is True
    assert "apikey" in domain_admin.getUserKeys(id=acme_user["id"])["userkeys"]
    globex_user = user_of(admin, "globex")
    status, error = api_error(acme.getUserKeys, id=globex_user["id"])
    assert (status, error["errortext"]) == (531, DENIED)
    root_user = admin.listUsers()["user"][0]
    status, error = api_error(domain_admin.getUserKeys, id=root_user["id"])
    assert (status, error["errortext"]) == (531, DENIED)


def test_domain_admins_create_domains_in_their_tree(admin, domain_admin):
    """CreateDomainCmd (authorized Admin, DomainAdmin) / DomainManagerImpl.createDomain: the parent defaults to
    ROOT, which a domain admin cannot reach (531); names are unique under a parent (431)."""
    customers = domain(admin, "customers")
    made = domain_admin.createDomain(name="team-a", parentdomainid=customers["id"])["domain"]
    assert made["path"] == "ROOT/customers/team-a" and made["parentdomainname"] == "customers"
    status, error = api_error(domain_admin.createDomain, name="team-b")
    assert status == 531 and error["errortext"].startswith("Account Account [{")
    assert error["errortext"].endswith(f"does not have permission to operate within domain id="
                                       f"{domain(admin, 'ROOT')['id']}")
    status, error = api_error(domain_admin.createDomain, name="team-a", parentdomainid=customers["id"])
    prefix = "Domain with name [team-a] already exists for the parent with ID ["
    assert status == 431 and error["errortext"].startswith(prefix) and error["errortext"].endswith("].")
    assert error["errortext"][len(prefix):-2].isdigit()  # the parent's internal id
    assert admin.listDomains(name="customers")["domain"][0]["haschild"] is True


def test_list_domains_for_domain_admins(domain_admin):
    """QueryManagerImpl.searchForDomainIdsAndCount: a domain admin lists only its own domain, its subtree with
    listall=true."""
    assert [d["name"] for d in domain_admin.listDomains()["domain"]] == ["customers"]
    names = {d["name"] for d in domain_admin.listDomains(listall=True)["domain"]}
    assert "customers" in names and "ROOT" not in names


# -- listAccounts / listUsers --------------------------------------------------------------------------
def test_list_accounts_is_narrowed_unless_listall(admin, acme, domain_admin):
    """QueryManagerImpl.searchForAccountIdsAndCount: without id, listall or domainid every caller lists only its
    own account (a root admin naming acme gets nothing); listall=true lists the caller's domain tree."""
    assert [a["name"] for a in admin.listAccounts()["account"]] == ["admin"]
    assert admin.listAccounts(name="acme") == {}
    assert [a["name"] for a in admin.listAccounts(name="acme", listall=True)["account"]] == ["acme"]
    assert [a["name"] for a in domain_admin.listAccounts()["account"]] == ["customers-admin"]
    assert {"acme", "globex"} <= {a["name"] for a in domain_admin.listAccounts(listall=True)["account"]}
    assert [a["name"] for a in acme.listAccounts(listall=True)["account"]] == ["acme"]
    customers = domain(admin, "customers")
    assert {"acme", "globex", "customers-admin"} <= {
        a["name"] for a in admin.listAccounts(domainid=customers["id"])["account"]}


def test_users_list_only_themselves(admin, acme):
    """QueryManagerImpl.searchForUsersInternal: a plain user lists its own user; another id is 531 "Calling user is
    not authorized to see the user requested by id"; admins name an account with its domain."""
    mine = acme.listUsers(listall=True)["user"]
    assert [u["username"] for u in mine] == ["acme"] and "secretkey" not in mine[0]
    other = user_of(admin, "globex")
    status, error = api_error(acme.listUsers, id=other["id"])
    assert (status, error["errortext"]) == (531, "Calling user is not authorized to see the user requested by id")
    status, error = api_error(admin.listUsers, account="acme")
    assert status == 431 and error["errortext"].startswith("could not find account acme in domain Domain {")


# -- createAccount ---------------------------------------------------------------------------------
def test_create_account_rules(admin, domain_admin):
    """CreateAccountCmd.validateParams and AccountManagerImpl.createUserAccount / createAccount: an account type
    (or role) is required; the domain defaults to ROOT; usernames are unique in a domain; admins only in ROOT;
    the new user has no API keys; events ACCOUNT.CREATE and USER.CREATE."""
    status, error = api_error(admin.createAccount, username="nobody", **PERSON)
    assert (status, error["errortext"]) == (431, "Neither account type and role ID are not provided")
    made = admin.createAccount(username="ops1", accounttype=0, **PERSON)["account"]
    assert made["domain"] == "ROOT" and "apikey" not in made["user"][0]
    status, error = api_error(admin.createAccount, username="ops1", account="other", accounttype=0, **PERSON)
    assert status == 431 and error["errortext"].startswith("The user ops1 already exists in domain Domain {")
    customers = domain(admin, "customers")
    status, error = api_error(admin.createAccount, username="boss", accounttype=1, domainid=customers["id"],
                              **PERSON)
    assert status == 431 and error["errortext"].startswith("Invalid account type ADMIN given for an account in "
                                                           "domain Domain {")
    status, _ = api_error(domain_admin.createAccount, username="sneaky", accounttype=0, **PERSON)
    assert status == 531
    assert admin.listEvents(type="USER.CREATE", listall=True)["event"][0]["description"] == (
        "Successfully completed creating User. Account Name: ops1, Domain Id:None")
    keys = admin.registerUserKeys(id=made["user"][0]["id"])["userkeys"]
    assert admin.getUserKeys(id=made["user"][0]["id"])["userkeys"]["apikey"] == keys["apikey"]


# -- settings for domain admins --------------------------------------------------------------------
def test_domain_admins_reach_only_domain_scoped_settings(admin, domain_admin):
    """ListCfgsByCmd/UpdateCfgCmd are open to domain admins (4.17+); ConfigurationManagerImpl.updateConfiguration
    holds a domain admin to its domain's scope, which global settings do not have (431 "Invalid scope id provided
    for the parameter <name>"); an account-scoped setting set for an account applies to it."""
    assert domain_admin.listConfigurations() == {}
    status, error = api_error(domain_admin.updateConfiguration, name="custom.diskoffering.size.max", value="10")
    assert (status, error["errortext"]) == (431, ("Invalid scope id provided for the parameter "
                                                 "custom.diskoffering.size.max"))
    status, error = api_error(admin.updateConfiguration, name="custom.diskoffering.size.max", value="10",
                              zoneid=admin.listZones(name="zone-a")["zone"][0]["id"])
    assert status == 431 and error["errortext"].startswith("Invalid scope id provided")
    account = admin.listAccounts(name="customers-admin", listall=True)["account"][0]
    set_ = admin.updateConfiguration(name="allow.domain.admins.to.create.tagged.offerings", value="true",
                                     accountid=account["id"])["configuration"]
    assert (set_["value"], set_["scope"]) == ("true", "account")
    made = domain_admin.createDiskOffering(name="do-tagged", disksize=1, tags="gold",
                                           domainid=domain(admin, "customers")["id"])["diskoffering"]
    assert made["tags"] == "gold"
    assert admin.listConfigurations(name="allow.domain.admins")["configuration"][0]["value"] == "false"
