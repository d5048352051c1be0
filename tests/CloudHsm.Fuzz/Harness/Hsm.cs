using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Configuration;
using CloudHsm.Core.Embedded;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Storage;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Fuzz.Harness;

/// <summary>
/// One embedded backend over an in-memory token, made once per process (AFL runs the target in a
/// persistent loop): an initialised token, a logged-in RW user session and the keys the targets use.
/// Each input's objects are destroyed and its operations cancelled afterwards (<see cref="Reset"/>), so
/// inputs do not see each other's state; the few objects that refuse to go (CKA_DESTROYABLE false) make the
/// whole token new once they are many.
/// </summary>
internal sealed class Hsm
{
    private static readonly byte[] SoPin = "fuzz-so-pin"u8.ToArray();
    private static readonly byte[] UserPin = "fuzz-user-pin"u8.ToArray();
    /// <summary>Objects an input made that could not be destroyed (CKA_DESTROYABLE false) before the token
    /// is made anew: they would otherwise pile up over millions of inputs and change what later ones find.</summary>
    private const int MaxLeftovers = 256;

    private static Hsm? s_instance;

    private readonly List<ulong> _created = [];
    private int _leftovers;

    private Hsm()
    {
        var config = new ModuleConfig { TokenDirectory = "unused", PinKdfIterations = 1000 };
        Backend = EmbeddedBackend.Open(config, new InMemoryTokenDirectory());
        ulong slot = Backend.GetSlotList(true)[0];
        Backend.InitToken(slot, SoPin, "fuzz".PadRight(32).Select(c => (byte)c).ToArray());
        ulong so = Backend.OpenSession(slot, CKF.CKF_SERIAL_SESSION | CKF.CKF_RW_SESSION);
        Backend.Login(so, CKU.CKU_SO, SoPin);
        Backend.InitPin(so, UserPin);
        Backend.CloseSession(so);
        Session = Backend.OpenSession(slot, CKF.CKF_SERIAL_SESSION | CKF.CKF_RW_SESSION);
        Backend.Login(Session, CKU.CKU_USER, UserPin);

        AesKeyValue = new byte[32];
        for (int i = 0; i < AesKeyValue.Length; i++) AesKeyValue[i] = (byte)(0xA0 + i);
        AesKey = Backend.CreateObject(Session, new Template(
        [
            TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_SECRET_KEY),
            TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)CKK.CKK_AES),
            new(CKA.CKA_VALUE, AesKeyValue),
            .. Usage(CKA.CKA_ENCRYPT, CKA.CKA_DECRYPT, CKA.CKA_WRAP, CKA.CKA_UNWRAP, CKA.CKA_SIGN, CKA.CKA_VERIFY, CKA.CKA_DERIVE),
        ]));
        SecretKey = Backend.CreateObject(Session, new Template(
        [
            TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_SECRET_KEY),
            TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)CKK.CKK_GENERIC_SECRET),
            new(CKA.CKA_VALUE, AesKeyValue),
            .. Usage(CKA.CKA_SIGN, CKA.CKA_VERIFY, CKA.CKA_DERIVE),
        ]));
        Rsa = Backend.GenerateKeyPair(Session, new Mechanism(CKM.CKM_RSA_PKCS_KEY_PAIR_GEN),
            new Template([TemplateAttribute.ULong(CKA.CKA_MODULUS_BITS, 2048), .. Usage(CKA.CKA_ENCRYPT, CKA.CKA_VERIFY, CKA.CKA_WRAP)]),
            new Template(Usage(CKA.CKA_DECRYPT, CKA.CKA_SIGN, CKA.CKA_UNWRAP)));
        Ec = Backend.GenerateKeyPair(Session, new Mechanism(CKM.CKM_EC_KEY_PAIR_GEN),
            new Template([new(CKA.CKA_EC_PARAMS, Curves.P256), .. Usage(CKA.CKA_VERIFY)]),
            new Template(Usage(CKA.CKA_SIGN, CKA.CKA_DERIVE)));
        Ed25519 = Backend.GenerateKeyPair(Session, new Mechanism(CKM.CKM_EC_EDWARDS_KEY_PAIR_GEN),
            new Template([new(CKA.CKA_EC_PARAMS, Curves.Ed25519), .. Usage(CKA.CKA_VERIFY)]),
            new Template(Usage(CKA.CKA_SIGN)));
        X25519 = Backend.GenerateKeyPair(Session, new Mechanism(CKM.CKM_EC_MONTGOMERY_KEY_PAIR_GEN),
            new Template([new(CKA.CKA_EC_PARAMS, Curves.X25519)]),
            new Template(Usage(CKA.CKA_DERIVE)));
        EcPoint = Backend.GetAttributeValue(Session, Ec.Public, [CKA.CKA_EC_POINT])[0].Value!;
    }

    public static Hsm Shared => s_instance ??= new Hsm();

    public ICryptokiBackend Backend { get; }

    public ulong Session { get; }

    /// <summary>An AES-256 key for every AES use, whose value the harness knows (to encrypt unwrap inputs).</summary>
    public ulong AesKey { get; }

    public byte[] AesKeyValue { get; }

    /// <summary>A 32-byte generic secret for HMAC and the KDFs.</summary>
    public ulong SecretKey { get; }

    public (ulong Public, ulong Private) Rsa { get; }

    public (ulong Public, ulong Private) Ec { get; }

    public (ulong Public, ulong Private) Ed25519 { get; }

    public (ulong Public, ulong Private) X25519 { get; }

    /// <summary>The P-256 key pair's CKA_EC_POINT (a DER OCTET STRING).</summary>
    public byte[] EcPoint { get; }

    public static TemplateAttribute[] Usage(params CKA[] flags) => [.. flags.Select(f => TemplateAttribute.Bool(f, true))];

    /// <summary>Records an object the current input made, for <see cref="Reset"/>.</summary>
    public ulong Track(ulong handle)
    {
        _created.Add(handle);
        return handle;
    }

    /// <summary>Destroys the current input's objects and cancels any operation it left active.</summary>
    public void Reset()
    {
        foreach (ulong handle in _created)
        {
            try
            {
                Backend.DestroyObject(Session, handle);
            }
            catch (CkrException e) when (e.Rv == CKR.CKR_OBJECT_HANDLE_INVALID)
            {
                // Already gone (the input destroyed it).
            }
            catch (CkrException)
            {
                _leftovers++;
            }
        }
        _created.Clear();
        foreach (var kind in Enum.GetValues<OperationKind>())
            Backend.CancelOperation(Session, kind);
        if (_leftovers > MaxLeftovers)
        {
            Backend.Dispose();
            s_instance = null;
        }
    }

    /// <summary>FUZZ_TRACE=1: <see cref="Try"/> prints the refusals it swallows (for `replay`, when checking
    /// that a seed goes as deep as meant).</summary>
    private static readonly bool TraceRefusals = Environment.GetEnvironmentVariable("FUZZ_TRACE") == "1";

    /// <summary>Runs an operation step whose refusal is an expected answer: the input goes on with its next step.</summary>
    public static bool Try(Action step, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(step))] string what = "")
    {
        try
        {
            step();
            return true;
        }
        catch (Exception e) when (e is CkrException { Rv: not (CKR.CKR_GENERAL_ERROR or CKR.CKR_DEVICE_ERROR) } or CryptographicException)
        {
            if (TraceRefusals)
                Console.WriteLine($"     refused: {what.Split('\n')[0].Trim()}: {e.Message}");
            return false;
        }
    }
}

/// <summary>CKA_EC_PARAMS values of the curves the token supports (DER OIDs).</summary>
internal static class Curves
{
    public static readonly byte[] P256 = Oid("1.2.840.10045.3.1.7");
    public static readonly byte[] P384 = Oid("1.3.132.0.34");
    public static readonly byte[] P521 = Oid("1.3.132.0.35");
    public static readonly byte[] Secp256k1 = Oid("1.3.132.0.10");
    public static readonly byte[] Ed25519 = Oid("1.3.101.112");
    public static readonly byte[] Ed448 = Oid("1.3.101.113");
    public static readonly byte[] X25519 = Oid("1.3.101.110");
    public static readonly byte[] X448 = Oid("1.3.101.111");

    public static byte[] Oid(string oid)
    {
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        writer.WriteObjectIdentifier(oid);
        return writer.Encode();
    }

    public static byte[] Name(string name)
    {
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        writer.WriteCharacterString(System.Formats.Asn1.UniversalTagNumber.PrintableString, name);
        return writer.Encode();
    }
}
