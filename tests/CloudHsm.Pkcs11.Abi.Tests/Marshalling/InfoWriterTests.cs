using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Abi.Tests.Marshalling;

[TestFixture]
public unsafe class InfoWriterTests
{
    [Test]
    public void StringsAreBlankPaddedNotNulTerminated()
    {
        var field = new byte[8];
        InfoWriter.Pad("abc", field);
        Assert.That(field, Is.EqualTo("abc     "u8.ToArray()));
    }

    [Test]
    public void LongStringsAreCutAtACharacterBoundary()
    {
        var field = new byte[4];
        InfoWriter.Pad("abcé", field); // é is two bytes in UTF-8 and does not fit whole
        Assert.That(field, Is.EqualTo("abc "u8.ToArray()));
    }

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

    [Test]
    public void MechanismTypeAndParameterAreChecked()
    {
        using var mem = new NativeBuffer();
        var m = mem.Alloc<CK_MECHANISM>();
        *m = new CK_MECHANISM { mechanism = (CK_ULONG)(uint)CKM.CKM_AES_CBC_PAD, pParameter = mem.Bytes(1, 2, 3), ulParameterLen = 3 };
        var read = MechanismReader.Read(m);
        Assert.That(read.Type, Is.EqualTo(CKM.CKM_AES_CBC_PAD));
        Assert.That(((Core.Backend.ByteArrayParameter)read.Parameter!).Value, Is.EqualTo(new byte[] { 1, 2, 3 }));

        m->pParameter = null;
        Assert.That(Assert.Throws<CkrException>(() => MechanismReader.Read(m))!.Rv, Is.EqualTo(CKR.CKR_ARGUMENTS_BAD));
        m->ulParameterLen = 0;
        Assert.That(MechanismReader.Read(m).Parameter, Is.Null);
        if (sizeof(CK_ULONG) == 8)
        {
            m->mechanism = unchecked((CK_ULONG)(1UL << 33));
            Assert.That(Assert.Throws<CkrException>(() => MechanismReader.Read(m))!.Rv, Is.EqualTo(CKR.CKR_MECHANISM_INVALID));
        }
        Assert.That(Assert.Throws<CkrException>(() => MechanismReader.Read(null))!.Rv, Is.EqualTo(CKR.CKR_ARGUMENTS_BAD));
    }
}
