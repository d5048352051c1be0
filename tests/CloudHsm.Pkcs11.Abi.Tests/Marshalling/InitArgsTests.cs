using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Abi.Tests.Marshalling;

/// <summary>C_Initialize's CK_C_INITIALIZE_ARGS rules.</summary>
[TestFixture]
public unsafe class InitArgsTests
{
    [Test]
    public void PartialMutexCallbacksAreArgumentsBad()
    {
        using var mem = new NativeBuffer();
        var args = mem.Alloc<CK_C_INITIALIZE_ARGS>();
        args->LockMutex = (delegate* unmanaged[Cdecl]<void*, CK_RV>)1;
        var e = Assert.Throws<CkrException>(() => InitArgs.Read(args));
        Assert.That(e!.Rv, Is.EqualTo(CKR.CKR_ARGUMENTS_BAD));
    }

    [Test]
    public void ReservedCarriesAConfigurationString()
    {
        using var mem = new NativeBuffer();
        var args = new CK_C_INITIALIZE_ARGS { flags = (CK_FLAGS)CKF.CKF_OS_LOCKING_OK, pReserved = mem.Bytes("{\"tokenDirectory\":\"/t\"}\0"u8.ToArray()) };
        Assert.That(InitArgs.Read(&args).ConfigJson, Is.EqualTo("{\"tokenDirectory\":\"/t\"}"));
        Assert.That(InitArgs.Read(null).ConfigJson, Is.Null);
    }
}
