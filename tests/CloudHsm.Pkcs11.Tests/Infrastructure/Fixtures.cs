using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests.Infrastructure;

/// <summary>
/// Base of every fixture: one module instance per process, so no parallelism, and every test ends with
/// all its sessions closed, which (spec: C_CloseAllSessions) also returns the token to the public state.
/// </summary>
[NonParallelizable]
public abstract class Pkcs11Fixture
{
    private readonly List<ulong> _slotsToClean = new();

    /// <summary>Have this test's sessions on another slot (e.g. a scratch token) closed too.</summary>
    protected ulong Track(ulong slot)
    {
        _slotsToClean.Add(slot);
        return slot;
    }

    [TearDown]
    public void CloseSessions()
    {
        Module.EnsureInitialized();
        P11.CloseAll(Module.MainSlot);
        foreach (ulong slot in _slotsToClean) P11.CloseAll(slot);
        _slotsToClean.Clear();
    }
}

/// <summary>A R/O public session on the shared token (pkcs11test's ReadOnlySessionTest).</summary>
public abstract class ReadOnlySessionFixture : Pkcs11Fixture
{
    protected ulong Session { get; private set; }

    [SetUp]
    public void OpenReadOnlySession() => Session = P11.OpenRo();
}

/// <summary>A R/W public session on the shared token.</summary>
public abstract class ReadWriteSessionFixture : Pkcs11Fixture
{
    protected ulong Session { get; private set; }

    [SetUp]
    public void OpenReadWriteSession() => Session = P11.OpenRw();
}

/// <summary>A R/W session with the normal user logged in (CKS_RW_USER_FUNCTIONS).</summary>
public abstract class RwUserSessionFixture : Pkcs11Fixture
{
    protected ulong Session { get; private set; }

    [SetUp]
    public void OpenUserSession()
    {
        Session = P11.OpenRw();
        P11.LoginUser(Session);
        Assert.That(P11.State(Session), Is.EqualTo(CKS.CKS_RW_USER_FUNCTIONS), "session state after C_Login(CKU_USER)");
    }
}

/// <summary>A R/W session with the SO logged in (CKS_RW_SO_FUNCTIONS).</summary>
public abstract class RwSoSessionFixture : Pkcs11Fixture
{
    protected ulong Session { get; private set; }

    [SetUp]
    public void OpenSoSession()
    {
        Session = P11.OpenRw();
        P11.LoginSo(Session);
        Assert.That(P11.State(Session), Is.EqualTo(CKS.CKS_RW_SO_FUNCTIONS), "session state after C_Login(CKU_SO)");
    }
}
