using System.Text;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Configuration;
using CloudHsm.Core.Embedded;
using CloudHsm.Core.Storage;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Embedded;

/// <summary>A backend over an in-memory token directory with one initialised token and user PIN.</summary>
public abstract class EmbeddedBackendFixture
{
    protected static readonly byte[] SoPin = "so-secret"u8.ToArray();
    protected static readonly byte[] UserPin = "user-secret"u8.ToArray();

    protected static readonly ModuleConfig Config = new() { TokenDirectory = "unused", PinKdfIterations = 1000, MaxLoginFailures = 3 };

    protected InMemoryTokenDirectory Directory { get; private set; } = null!;
    protected ICryptokiBackend Backend { get; private set; } = null!;
    protected ulong SlotId { get; private set; }

    [SetUp]
    public void CreateToken()
    {
        Directory = new InMemoryTokenDirectory();
        Backend = EmbeddedBackend.Open(Config, Directory);
        ulong uninitialized = Backend.GetSlotList(true).Single();
        Backend.InitToken(uninitialized, SoPin, Label("core-tests"));
        SlotId = uninitialized;
        ulong so = Backend.OpenSession(SlotId, CKF.CKF_SERIAL_SESSION | CKF.CKF_RW_SESSION);
        Backend.Login(so, CKU.CKU_SO, SoPin);
        Backend.InitPin(so, UserPin);
        Backend.CloseSession(so);
    }

    [TearDown]
    public void DisposeBackend() => Backend.Dispose();

    protected ICryptokiBackend Reopen()
    {
        Backend.Dispose();
        Backend = EmbeddedBackend.Open(Config, Directory);
        SlotId = Backend.GetSlotList(true)[0];
        return Backend;
    }

    /// <summary>Swaps in a backend the test opened itself (over a wrapped directory, say); torn down as usual.</summary>
    protected void ReplaceBackend(ICryptokiBackend backend)
    {
        Backend = backend;
        SlotId = Backend.GetSlotList(true)[0];
    }

    protected ulong OpenRw() => Backend.OpenSession(SlotId, CKF.CKF_SERIAL_SESSION | CKF.CKF_RW_SESSION);

    protected ulong OpenRo() => Backend.OpenSession(SlotId, CKF.CKF_SERIAL_SESSION);

    protected static byte[] Label(string text) => Encoding.UTF8.GetBytes(text.PadRight(32));

    protected static Template DataObject(string label, bool token = false, bool isPrivate = false) => new(
    [
        TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_DATA),
        TemplateAttribute.Bool(CKA.CKA_TOKEN, token),
        TemplateAttribute.Bool(CKA.CKA_PRIVATE, isPrivate),
        TemplateAttribute.Utf8(CKA.CKA_LABEL, label),
        new TemplateAttribute(CKA.CKA_VALUE, [1, 2, 3]),
    ]);

    protected static Template ByLabel(string label) => new([TemplateAttribute.Utf8(CKA.CKA_LABEL, label)]);

    protected ulong[] FindAll(ulong session, Template template)
    {
        Backend.FindObjectsInit(session, template);
        var found = new ulong[64];
        int n = Backend.FindObjects(session, found);
        Backend.FindObjectsFinal(session);
        return found[..n];
    }

    protected static CKR Rv(TestDelegate call) => Assert.Catch<Errors.CkrException>(call)!.Rv;
}
