using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms;
using CloudHsm.Core.Mechanisms.Wrapping;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Wrapping;

/// <summary>Which implementation wraps with a mechanism: its own wrapper first, else its cipher, and only
/// with the CKF_WRAP / CKF_UNWRAP flag.</summary>
public class WrapLookupTests
{
    private const CKM Both = CKM.CKM_VENDOR_DEFINED + 1;
    private const CKM WrapOnly = CKM.CKM_VENDOR_DEFINED + 2;
    private const CKM NoFlags = CKM.CKM_VENDOR_DEFINED + 3;
    private const CKM Own = CKM.CKM_VENDOR_DEFINED + 4;
    private const CKM Digest = CKM.CKM_VENDOR_DEFINED + 5;

    private static readonly OwnWrapper OwnMechanism = new();

    private static readonly MechanismRegistry Registry = Build();

    private static MechanismRegistry Build()
    {
        var registry = new MechanismRegistry();
        registry.Add(Both, new XorTestCipher(CKF.CKF_WRAP | CKF.CKF_UNWRAP));
        registry.Add(WrapOnly, new XorTestCipher(CKF.CKF_WRAP));
        registry.Add(NoFlags, new XorTestCipher(0));
        registry.Add(Own, OwnMechanism);
        registry.Add(Digest, new FlaggedNothing());
        return registry.Freeze();
    }

    [Test]
    public void FlaggedCipherIsAdapted()
    {
        Assert.That(Registry.GetWrapper(Both), Is.InstanceOf<CipherKeyWrap>());
        Assert.That(Registry.GetUnwrapper(Both), Is.InstanceOf<CipherKeyWrap>());
    }

    [Test]
    public void MechanismsOwnWrapperComesFirst()
    {
        Assert.That(Registry.GetWrapper(Own), Is.SameAs(OwnMechanism));
        Assert.That(Registry.GetUnwrapper(Own), Is.SameAs(OwnMechanism));
    }

    [TestCase(NoFlags, false)]
    [TestCase(NoFlags, true)]
    [TestCase(WrapOnly, true)]
    [TestCase(Digest, false)]
    [TestCase(CKM.CKM_VENDOR_DEFINED + 99, false)]
    public void MechanismWithoutTheFlagIsInvalid(CKM type, bool unwrap)
    {
        var rv = Assert.Catch<CkrException>(() => _ = unwrap ? Registry.GetUnwrapper(type) : Registry.GetWrapper(type))!.Rv;
        Assert.That(rv, Is.EqualTo(CKR.CKR_MECHANISM_INVALID));
    }

    [Test]
    public void WrapOnlyCipherStillWraps() => Assert.That(Registry.GetWrapper(WrapOnly), Is.Not.Null);

    /// <summary>Flagged for wrapping but neither a cipher nor a wrapper: a registration bug, refused all the same.</summary>
    private sealed class FlaggedNothing : IMechanism
    {
        public MechanismInfo Info => new(0, 0, CKF.CKF_WRAP | CKF.CKF_UNWRAP);
    }

    private sealed class OwnWrapper : IWrapMechanism
    {
        public MechanismInfo Info => new(0, 0, CKF.CKF_WRAP | CKF.CKF_UNWRAP);
        public int WrappedLength(Mechanism mechanism, HsmObject wrappingKey, HsmObject key) => 0;
        public int Wrap(Mechanism mechanism, HsmObject wrappingKey, HsmObject key, Span<byte> output) => 0;
        public HsmObject Unwrap(Mechanism mechanism, HsmObject unwrappingKey, ReadOnlySpan<byte> wrapped, Template template,
            ObjectContext context) => throw new NotSupportedException();
    }
}
