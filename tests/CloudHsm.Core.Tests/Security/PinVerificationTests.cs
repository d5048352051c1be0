using System.Reflection;
using System.Reflection.Emit;
using System.Security.Cryptography;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Configuration;
using CloudHsm.Core.Embedded;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Storage;
using CloudHsm.Core.Storage.Sealing;
using CloudHsm.Core.Tokens;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Security;

/// <summary>
/// PIN verification takes the same time whatever the guess (issue 5 part 5). How the token checks a PIN
/// (Token.VerifyPin → PinKeyDerivation.TryUnlock, docs/storage-encryption.md §4): the guess goes through PBKDF2 and
/// HKDF into a 32-byte verifier, which is compared with the stored one by CryptographicOperations.FixedTimeEquals;
/// only when they match is the token key opened (AES-GCM). The guess itself is never compared with anything, so
/// neither a shared prefix nor its length can make a wrong guess fail sooner. Checked two ways:
/// <list type="number">
/// <item>In the code: the methods on the PIN's path call FixedTimeEquals and no comparison that can stop early
/// (SequenceEqual, StartsWith, string equality …). This is the only way to pin the 32-byte comparison itself, whose
/// early exit would be a nanosecond or two — below what a timing test on a shared machine can see.</item>
/// <item>By measurement (<see cref="Dudect"/>): Welch's t over randomly interleaved timings of two classes of wrong
/// guesses, against PinKeyDerivation.TryUnlock directly and against C_Login of an in-process token (the whole path:
/// lockout count, store update, the CKR_PIN_INCORRECT exception). It catches what a change could add on the way to
/// the comparison: a fast path on the PIN bytes, a length check before the KDF, a cache of recent guesses. The KDF is
/// set to one iteration so that the comparison is not drowned in hashing, and lockout to never, so that every guess
/// is verified.</item>
/// </list>
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PinVerificationTests
{
    private static readonly TimeSpan TryUnlockBudget = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan LoginBudget = TimeSpan.FromSeconds(2);
    private const int Inputs = 512;
    private const string Serial = "0123456789ABCDEF";

    // --- 1. the code ----------------------------------------------------------------------------------

    /// <summary>Calls that compare and may stop at the first difference.</summary>
    private static readonly string[] EarlyExitComparisons =
        ["SequenceEqual", "SequenceCompareTo", "StartsWith", "EndsWith", "Equals", "CompareOrdinal", "Compare", "CompareTo", "op_Equality", "op_Inequality"];

    [Test]
    public void The_verifier_is_compared_with_FixedTimeEquals_and_nothing_on_the_PIN_s_path_compares_early_exit()
    {
        MethodInfo tryUnlock = typeof(PinKeyDerivation).GetMethod(nameof(PinKeyDerivation.TryUnlock))!;
        MethodInfo verifyPin = typeof(Token).GetMethod("VerifyPin", BindingFlags.NonPublic | BindingFlags.Instance)
            ?? throw new AssertionException("Token.VerifyPin is gone: point this test at the method that checks a PIN now");

        Assert.That(Calls(tryUnlock).Select(Describe), Does.Contain("CryptographicOperations.FixedTimeEquals"),
            "TryUnlock compares the verifiers with CryptographicOperations.FixedTimeEquals");

        var path = OnThePinPath([verifyPin, tryUnlock]);
        Assert.That(path.Select(Describe), Does.Contain("PinKeyDerivation.DeriveKeys").And.Contain("AeadEnvelope.TryOpen"),
            "the walk follows the PIN into the KDF and the AEAD open");
        var offending = path.SelectMany(m => Calls(m).Where(c => EarlyExitComparisons.Contains(c.Name) && ComparesData(c))
            .Select(c => $"{Describe(m)} calls {Describe(c)}")).ToList();
        Assert.That(offending, Is.Empty, "comparisons that can stop at the first difference on the PIN's path");
    }

    [Test]
    public void TryUnlock_answers_a_wrong_PIN_with_false_and_the_right_one_with_the_token_key()
    {
        byte[] pin = RandomNumberGenerator.GetBytes(16), tokenKey = StorageScheme.NewTokenKey();
        PinRecord record = PinKeyDerivation.CreatePinRecord(pin, tokenKey, Serial, iterations: 1);
        Assert.That(PinKeyDerivation.TryUnlock(record, pin, Serial, out byte[]? key), Is.True);
        Assert.That(key, Is.EqualTo(tokenKey));
        byte[] almost = (byte[])pin.Clone();
        almost[^1] ^= 1;
        Assert.That(PinKeyDerivation.TryUnlock(record, almost, Serial, out key), Is.False, "the PIN but its last bit");
        Assert.That(key, Is.Null);
        Assert.That(PinKeyDerivation.TryUnlock(record, pin.AsSpan(0, pin.Length - 1), Serial, out _), Is.False, "the PIN but its last byte");
    }

    /// <summary>The methods reached from <paramref name="roots"/> that belong to the PIN's path: the PIN sealing
    /// code and the compiler-generated closures of the roots; BCL crypto is taken as it is documented.</summary>
    private static List<MethodBase> OnThePinPath(IEnumerable<MethodBase> roots)
    {
        var seen = new List<MethodBase>();
        var queue = new Queue<MethodBase>(roots);
        while (queue.Count > 0)
        {
            var m = queue.Dequeue();
            if (seen.Contains(m)) continue;
            seen.Add(m);
            foreach (var callee in Calls(m))
            {
                Type? owner = callee.DeclaringType;
                bool sealing = owner?.Namespace == typeof(PinKeyDerivation).Namespace;
                bool closure = owner is { IsNested: true } && owner.DeclaringType == typeof(Token) && owner.Name.StartsWith('<');
                if ((sealing || closure) && callee.GetMethodBody() is not null) queue.Enqueue(callee);
            }
        }
        return seen;
    }

    /// <summary>Whether a comparison call takes data (bytes, characters, strings) rather than numbers or enums.</summary>
    private static bool ComparesData(MethodBase call) =>
        call.GetParameters().Any(p => IsData(p.ParameterType)) || (call is MethodInfo && IsData(call.DeclaringType!) && !call.IsStatic);

    private static bool IsData(Type t) =>
        t == typeof(string) || t == typeof(byte[]) || t == typeof(char[]) || t.IsArray ||
        (t.IsGenericType && t.GetGenericTypeDefinition() is var g && (g == typeof(ReadOnlySpan<>) || g == typeof(Span<>) || g == typeof(IEnumerable<>)
            || g == typeof(ReadOnlyMemory<>) || g == typeof(Memory<>)));

    private static string Describe(MethodBase m) => $"{m.DeclaringType?.Name}.{m.Name}";

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>The methods <paramref name="method"/>'s IL calls (call, callvirt, newobj, ldftn), by walking the
    /// instruction stream with the operand sizes of <see cref="OpCodes"/>.</summary>
    private static IEnumerable<MethodBase> Calls(MethodBase method)
    {
        byte[] il = method.GetMethodBody()?.GetILAsByteArray() ?? [];
        Type[] typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : [];
        Type[] methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : [];
        var result = new List<MethodBase>();
        for (int i = 0; i < il.Length;)
        {
            short value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            OpCode op = OpCodesByValue[value];
            if (op.OperandType == OperandType.InlineMethod)
                result.Add(method.Module.ResolveMethod(BitConverter.ToInt32(il, i), typeArgs, methodArgs)!);
            i += op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
        }
        return result;
    }

    // --- 2. the measurement ---------------------------------------------------------------------------

    private static byte[] Printable(int length) => RandomNumberGenerator.GetBytes(length).Select(b => (byte)('!' + b % 90)).ToArray();

    /// <summary>Wrong guesses that share all but the last byte with <paramref name="pin"/>.</summary>
    private static byte[][] NearMisses(byte[] pin) => Enumerable.Range(0, Inputs).Select(_ =>
    {
        byte[] g = (byte[])pin.Clone();
        do g[^1] = Printable(1)[0]; while (g[^1] == pin[^1]);
        return g;
    }).ToArray();

    private static byte[][] RandomGuesses(int length) => Enumerable.Range(0, Inputs).Select(_ => Printable(length)).ToArray();

    private static void AssertNoLeak(IReadOnlyList<Dudect.Result> runs) =>
        Assert.That(runs[^1].Leaks, Is.False,
            $"the time depends on the secret (dudect: |t| > {Dudect.Threshold} is definitely not constant time; here with a difference of " +
            $"at least {Dudect.MinEffect:P0}), in {runs.Count} run(s) out of {runs.Count}:\n" + string.Join("\n", runs));

    /// <summary>The measurement finds what it is for: a verification that skips the KDF for guesses of the wrong
    /// length (the classic early length check), measured the same way, is reported as leaking.</summary>
    [Test]
    public void The_measurement_reports_a_PIN_check_that_stops_early_on_a_wrong_length()
    {
        byte[] pin = Printable(16);
        PinRecord record = PinKeyDerivation.CreatePinRecord(pin, StorageScheme.NewTokenKey(), Serial, iterations: 1);
        byte[][][] guesses = [RandomGuesses(16), RandomGuesses(23)];
        bool LeakyUnlock(byte[] guess) => guess.Length == pin.Length && PinKeyDerivation.TryUnlock(record, guess, Serial, out _);
        var result = Dudect.Measure("a PIN check with an early length test", (c, i) => LeakyUnlock(guesses[c][i]), Inputs, TimeSpan.FromSeconds(0.5));
        TestContext.Out.WriteLine(result);
        Assert.That(result.Leaks, Is.True, result.ToString());
    }

    [Test]
    public void TryUnlock_takes_as_long_for_a_guess_that_shares_a_long_prefix_with_the_PIN_as_for_a_random_one()
    {
        byte[] pin = Printable(16);
        PinRecord record = PinKeyDerivation.CreatePinRecord(pin, StorageScheme.NewTokenKey(), Serial, iterations: 1);
        byte[][][] guesses = [NearMisses(pin), RandomGuesses(16)];
        AssertNoLeak(Dudect.MeasureConfirmed("TryUnlock, 15-byte prefix vs random guess",
            (c, i) => PinKeyDerivation.TryUnlock(record, guesses[c][i], Serial, out _), Inputs, TryUnlockBudget));
    }

    [Test]
    public void TryUnlock_takes_as_long_whether_or_not_the_guess_has_the_PIN_s_length()
    {
        // The secret varies, the guesses do not: PINs of 16 and 23 bytes, the same random 16-byte guesses for both.
        PinRecord sameLength = PinKeyDerivation.CreatePinRecord(Printable(16), StorageScheme.NewTokenKey(), Serial, iterations: 1);
        PinRecord otherLength = PinKeyDerivation.CreatePinRecord(Printable(23), StorageScheme.NewTokenKey(), Serial, iterations: 1);
        PinRecord[] records = [sameLength, otherLength];
        byte[][] guesses = RandomGuesses(16);
        AssertNoLeak(Dudect.MeasureConfirmed("TryUnlock, guess of the PIN's length vs of another length",
            (c, i) => PinKeyDerivation.TryUnlock(records[c], guesses[i], Serial, out _), Inputs, TryUnlockBudget));
    }

    [Test]
    public void TryUnlock_takes_as_long_when_the_verifiers_differ_in_the_last_byte_as_in_the_first()
    {
        // The comparison itself: for each guess, a record whose verifier is the guess's but for the last byte, and
        // one whose verifier differs in the first. An early-exit loop over 32 bytes would show here if anywhere.
        byte[] salt = RandomNumberGenerator.GetBytes(StorageScheme.SaltSize), wrapped = new byte[StorageScheme.WrappedTokenKeySize];
        // The two records of a guess share everything but the verifier and are made one after the other, so that
        // the classes differ in nothing but where the verifiers differ.
        byte[][] guesses = RandomGuesses(16);
        PinRecord[][] records = [new PinRecord[Inputs], new PinRecord[Inputs]];
        for (int i = 0; i < Inputs; i++)
        {
            byte[] kek = new byte[32], verifier = new byte[32];
            PinKeyDerivation.DeriveKeys(guesses[i], salt, 1, kek, verifier);
            for (int c = 0; c < 2; c++)
            {
                byte[] stored = (byte[])verifier.Clone();
                stored[c == 0 ? stored.Length - 1 : 0] ^= 0x01;
                records[c][i] = new PinRecord(salt, 1, stored, wrapped);
            }
        }
        AssertNoLeak(Dudect.MeasureConfirmed("TryUnlock, verifier differing in the last vs the first byte",
            (c, i) => PinKeyDerivation.TryUnlock(records[c][i], guesses[i], Serial, out _), Inputs, TryUnlockBudget));
    }

    /// <summary>A backend over an in-memory directory with one token per user PIN, a one-iteration KDF and no lockout;
    /// returns a R/W session on each token.</summary>
    private static (ICryptokiBackend Backend, ulong[] Sessions) Tokens(params byte[][] userPins)
    {
        var config = new ModuleConfig { TokenDirectory = "unused", PinKdfIterations = 1, MaxLoginFailures = int.MaxValue };
        var backend = EmbeddedBackend.Open(config, new InMemoryTokenDirectory());
        var sessions = new ulong[userPins.Length];
        byte[] soPin = Printable(12);
        for (int t = 0; t < userPins.Length; t++)
        {
            ulong slot = backend.GetSlotList(true).Single(s => (backend.GetTokenInfo(s).Flags & CKF.CKF_TOKEN_INITIALIZED) == 0);
            backend.InitToken(slot, soPin, System.Text.Encoding.ASCII.GetBytes($"timing {t}".PadRight(32)));
            ulong so = backend.OpenSession(slot, CKF.CKF_SERIAL_SESSION | CKF.CKF_RW_SESSION);
            backend.Login(so, CKU.CKU_SO, soPin);
            backend.InitPin(so, userPins[t]);
            backend.CloseSession(so);
            sessions[t] = backend.OpenSession(slot, CKF.CKF_SERIAL_SESSION | CKF.CKF_RW_SESSION);
        }
        return (backend, sessions);
    }

    private static void WrongLogin(ICryptokiBackend backend, ulong session, byte[] guess)
    {
        try
        {
            backend.Login(session, CKU.CKU_USER, guess);
            throw new AssertionException("a wrong PIN was accepted");
        }
        catch (CkrException e) when (e.Rv == CKR.CKR_PIN_INCORRECT)
        {
        }
    }

    [Test]
    public void C_Login_takes_as_long_for_a_guess_that_shares_a_long_prefix_with_the_PIN_as_for_a_random_one()
    {
        byte[] pin = Printable(16);
        var (backend, sessions) = Tokens(pin);
        using (backend)
        {
            byte[][][] guesses = [NearMisses(pin), RandomGuesses(16)];
            AssertNoLeak(Dudect.MeasureConfirmed("C_Login, 15-byte prefix vs random guess",
                (c, i) => WrongLogin(backend, sessions[0], guesses[c][i]), Inputs, LoginBudget));
            backend.Login(sessions[0], CKU.CKU_USER, pin); // lockout was off: the right PIN still works
        }
    }

    [Test]
    public void C_Login_takes_as_long_whether_or_not_the_guess_has_the_PIN_s_length()
    {
        // Here the guesses vary (the TryUnlock test varies the PIN): one token, whose PIN has 16 bytes, and random
        // guesses of 16 or 23 bytes. Both lengths fit one HMAC block, so PBKDF2 does the same work for either; a
        // check of the guess's length against the PIN's before the KDF would make the second class fail sooner.
        var (backend, sessions) = Tokens(Printable(16));
        using (backend)
        {
            byte[][][] guesses = [RandomGuesses(16), RandomGuesses(23)];
            AssertNoLeak(Dudect.MeasureConfirmed("C_Login, guess of the PIN's length vs of another length",
                (c, i) => WrongLogin(backend, sessions[0], guesses[c][i]), Inputs, LoginBudget));
        }
    }
}
