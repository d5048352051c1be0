using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Abi.Tests.Marshalling;

/// <summary>CK_MECHANISM reading: type range, parameter pointer and length.</summary>
[TestFixture]
public unsafe class MechanismReaderTests
{
    [Test]
    public void MechanismTypeAndParameterAreChecked()
    {
        using var mem = new NativeBuffer();
        var m = mem.Alloc<CK_MECHANISM>();
        *m = new CK_MECHANISM { mechanism = (CK_ULONG)(uint)CKM.CKM_AES_CBC_PAD, pParameter = mem.Bytes(1, 2, 3), ulParameterLen = 3 };
        var read = MechanismReader.Read(m);
        Assert.That(read.Type, Is.EqualTo(CKM.CKM_AES_CBC_PAD));
        Assert.That(((Core.Backend.ByteArrayParameter)read.Parameter!).Value, Is.EqualTo(new byte[] { 1, 2, 3 }));

        m->pParameter = null; // the parameter's fault: every function taking a CK_MECHANISM lists this code (§5.8 has no CKR_ARGUMENTS_BAD)
        Assert.That(Assert.Throws<CkrException>(() => MechanismReader.Read(m))!.Rv, Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
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
