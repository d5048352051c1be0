// Pkcs11Interop against a PKCS#11 module (libcloudhsm_pkcs11.so or any other):
//
//   dotnet run --project samples/csharp -c Release -- <module.so> <token-label>
//
// The user PIN comes from the environment variable PKCS11_PIN, never from the command line.
// Opens the token by label, logs in, then:
//   1. generates an AES-256 session key in the token and encrypts/decrypts with CKM_AES_GCM
//      (12-byte IV from the token's RNG, additional data, 128-bit tag); a changed ciphertext must fail;
//   2. generates an RSA-2048 session key pair and signs/verifies with CKM_SHA256_RSA_PKCS; the
//      signature is also checked by .NET's own RSA with the public key read from the token.
// Session keys (CKA_TOKEN false) vanish with the session: the token is left as it was.
// Exit code: 0 ok, 1 a PKCS#11 error (its CKR_ name is printed) or a failed check, 2 usage.
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: pkcs11-sample <module.so> <token-label>   (user PIN in PKCS11_PIN)");
    return 2;
}
string modulePath = Path.GetFullPath(args[0]);
string tokenLabel = args[1];
string? pin = Environment.GetEnvironmentVariable("PKCS11_PIN");
if (string.IsNullOrEmpty(pin))
{
    Console.Error.WriteLine("pkcs11-sample: set PKCS11_PIN to the user PIN");
    return 2;
}

// Pkcs11Interop 5.3.0 P/Invokes dlopen/dlsym from "libdl". glibc 2.34+ (Debian 12) has only libdl.so.2
// unless libc6-dev is installed, so map the name before the first call into Pkcs11Interop.
NativeLibrary.SetDllImportResolver(typeof(IPkcs11Library).Assembly, (name, assembly, searchPath) =>
    name == "libdl" && OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libdl.so.2", assembly, searchPath, out IntPtr handle)
        ? handle
        : IntPtr.Zero);

try
{
    var factories = new Pkcs11InteropFactories();
    using IPkcs11Library library = factories.Pkcs11LibraryFactory.LoadPkcs11Library(factories, modulePath, AppType.MultiThreaded);
    ILibraryInfo info = library.GetInfo();
    Console.WriteLine($"module: {info.ManufacturerId} / {info.LibraryDescription} {info.LibraryVersion}");

    ISlot? slot = library.GetSlotList(SlotsType.WithTokenPresent)
        .FirstOrDefault(s => s.GetTokenInfo().Label == tokenLabel);
    if (slot is null)
    {
        Console.Error.WriteLine($"pkcs11-sample: no token labelled \"{tokenLabel}\"");
        return 1;
    }
    Console.WriteLine($"token: {tokenLabel} (slot {slot.SlotId})");

    using ISession session = slot.OpenSession(SessionType.ReadWrite);
    session.Login(CKU.CKU_USER, pin);
    try
    {
        bool ok = AesGcm(session) & RsaSignVerify(session);
        Console.WriteLine(ok ? "all checks passed" : "a check FAILED");
        return ok ? 0 : 1;
    }
    finally
    {
        session.Logout();
    }
}
catch (Pkcs11Exception e)
{
    Console.Error.WriteLine($"pkcs11-sample: {e.Method} failed: {e.RV}");
    return 1;
}
catch (UnmanagedException e)
{
    Console.Error.WriteLine($"pkcs11-sample: cannot load {modulePath}: {e.Message}");
    return 1;
}

static bool AesGcm(ISession session)
{
    var attr = session.Factories.ObjectAttributeFactory;
    IObjectHandle key = session.GenerateKey(
        session.Factories.MechanismFactory.Create(CKM.CKM_AES_KEY_GEN),
        [
            attr.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
            attr.Create(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
            attr.Create(CKA.CKA_VALUE_LEN, 32UL),
            attr.Create(CKA.CKA_TOKEN, false),
            attr.Create(CKA.CKA_SENSITIVE, true),
            attr.Create(CKA.CKA_EXTRACTABLE, false),
            attr.Create(CKA.CKA_ENCRYPT, true),
            attr.Create(CKA.CKA_DECRYPT, true),
            attr.Create(CKA.CKA_LABEL, "sample-aes"),
        ]);
    Console.WriteLine("aes: generated an AES-256 session key");

    byte[] iv = session.GenerateRandom(12);
    byte[] aad = Encoding.UTF8.GetBytes("header, authenticated but not encrypted");
    byte[] plaintext = Encoding.UTF8.GetBytes("Encrypted by samples/csharp with CKM_AES_GCM");
    // CK_GCM_PARAMS: IV, its length in bits, additional data, tag length in bits.
    IMechanism Gcm() => session.Factories.MechanismFactory.Create(CKM.CKM_AES_GCM,
        session.Factories.MechanismParamsFactory.CreateCkGcmParams(iv, (ulong)iv.Length * 8, aad, 128));

    byte[] ciphertext = session.Encrypt(Gcm(), key, plaintext);   // ciphertext || 16-byte tag
    Console.WriteLine($"aes-gcm: encrypted {plaintext.Length} bytes into {ciphertext.Length} (ciphertext and tag): {Convert.ToHexStringLower(ciphertext)}");
    byte[] decrypted = session.Decrypt(Gcm(), key, ciphertext);
    bool roundTrip = decrypted.AsSpan().SequenceEqual(plaintext);
    Console.WriteLine(roundTrip ? "aes-gcm: decrypted, same plaintext" : "aes-gcm: decrypted text DIFFERS");

    // A flipped bit in the ciphertext must fail the tag check.
    byte[] tampered = (byte[])ciphertext.Clone();
    tampered[0] ^= 1;
    bool rejected;
    try
    {
        session.Decrypt(Gcm(), key, tampered);
        rejected = false;
        Console.WriteLine("aes-gcm: a changed ciphertext was ACCEPTED");
    }
    catch (Pkcs11Exception e)
    {
        rejected = true;
        Console.WriteLine($"aes-gcm: a changed ciphertext is rejected: {e.RV}");
    }
    session.DestroyObject(key);
    return roundTrip && rejected;
}

static bool RsaSignVerify(ISession session)
{
    var attr = session.Factories.ObjectAttributeFactory;
    session.GenerateKeyPair(
        session.Factories.MechanismFactory.Create(CKM.CKM_RSA_PKCS_KEY_PAIR_GEN),
        [
            attr.Create(CKA.CKA_TOKEN, false),
            attr.Create(CKA.CKA_VERIFY, true),
            attr.Create(CKA.CKA_MODULUS_BITS, 2048UL),
            attr.Create(CKA.CKA_PUBLIC_EXPONENT, new byte[] { 0x01, 0x00, 0x01 }),
            attr.Create(CKA.CKA_LABEL, "sample-rsa"),
        ],
        [
            attr.Create(CKA.CKA_TOKEN, false),
            attr.Create(CKA.CKA_PRIVATE, true),
            attr.Create(CKA.CKA_SENSITIVE, true),
            attr.Create(CKA.CKA_SIGN, true),
            attr.Create(CKA.CKA_LABEL, "sample-rsa"),
        ],
        out IObjectHandle publicKey, out IObjectHandle privateKey);
    Console.WriteLine("rsa: generated an RSA-2048 session key pair");

    byte[] data = Encoding.UTF8.GetBytes("Signed by samples/csharp with CKM_SHA256_RSA_PKCS");
    IMechanism mechanism = session.Factories.MechanismFactory.Create(CKM.CKM_SHA256_RSA_PKCS);
    byte[] signature = session.Sign(mechanism, privateKey, data);
    Console.WriteLine($"rsa: signature ({signature.Length} bytes): {Convert.ToHexStringLower(signature)}");

    session.Verify(mechanism, publicKey, data, signature, out bool valid);
    Console.WriteLine(valid ? "rsa: C_Verify: valid" : "rsa: C_Verify: INVALID");
    byte[] changed = (byte[])data.Clone();
    changed[0] ^= 1;
    session.Verify(mechanism, publicKey, changed, signature, out bool changedValid);
    Console.WriteLine(changedValid ? "rsa: C_Verify of a changed message: VALID (wrong)" : "rsa: C_Verify of a changed message: invalid, as it should be");

    // The same signature checked outside the token, with the public key's modulus and exponent.
    List<IObjectAttribute> values = session.GetAttributeValue(publicKey, [CKA.CKA_MODULUS, CKA.CKA_PUBLIC_EXPONENT]);
    using var rsa = RSA.Create(new RSAParameters { Modulus = values[0].GetValueAsByteArray(), Exponent = values[1].GetValueAsByteArray() });
    bool dotnetValid = rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    Console.WriteLine(dotnetValid ? "rsa: .NET RSA verifies the signature too" : "rsa: .NET RSA REJECTS the signature");

    session.DestroyObject(privateKey);
    session.DestroyObject(publicKey);
    return valid && !changedValid && dotnetValid;
}
