using System.Collections.Concurrent;
using System.Security.Cryptography;
using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// A multi-threaded application (C_Initialize with CKF_OS_LOCKING_OK, Pkcs11Interop AppType.MultiThreaded):
/// 8 threads, each with its own session, digest, draw random bytes and create, find, read and destroy
/// objects at the same time. Every result must be right.
/// </summary>
public sealed class _23_MultiThreadTest : Pkcs11Fixture
{
    private const int Threads = 8;
    private const int Rounds = 25;

    [Test]
    public void Eight_threads_with_their_own_sessions_get_correct_results()
    {
        ISlot slot = Module.Library.GetSlotList(SlotsType.WithTokenPresent).Single(s => s.SlotId == Module.MainSlot);
        using ISession login = slot.OpenSession(SessionType.ReadWrite);
        login.Login(CKU.CKU_USER, Settings.UserPin);   // login state is shared by every session of the token

        string tag = P11.UniqueLabel("mt");
        var errors = new ConcurrentQueue<string>();
        var randoms = new ConcurrentBag<string>();
        using var start = new Barrier(Threads);
        var f = Settings.Factories.ObjectAttributeFactory;
        var sha256 = Settings.Factories.MechanismFactory.Create(CKM.CKM_SHA256);
        var sha512 = Settings.Factories.MechanismFactory.Create(CKM.CKM_SHA512);

        void Work(int id)
        {
            try
            {
                using ISession s = slot.OpenSession(SessionType.ReadWrite);
                if (s.GetSessionInfo().State != CKS.CKS_RW_USER_FUNCTIONS)
                    errors.Enqueue($"thread {id}: new session is not in CKS_RW_USER_FUNCTIONS");
                start.SignalAndWait();
                for (int round = 0; round < Rounds; round++)
                {
                    byte[] data = RandomNumberGenerator.GetBytes(100 + id * 37 + round);
                    if (!s.Digest(sha256, data).AsSpan().SequenceEqual(SHA256.HashData(data)))
                        errors.Enqueue($"thread {id} round {round}: wrong SHA-256");
                    using (var stream = new MemoryStream(data))
                        if (!s.Digest(sha512, stream, 17).AsSpan().SequenceEqual(SHA512.HashData(data)))
                            errors.Enqueue($"thread {id} round {round}: wrong multi-part SHA-512");

                    randoms.Add(Convert.ToHexString(s.GenerateRandom(16)));

                    string label = $"{tag}-{id}-{round}";
                    bool token = round % 5 == 0;
                    IObjectHandle h = s.CreateObject(
                    [
                        f.Create(CKA.CKA_CLASS, CKO.CKO_DATA), f.Create(CKA.CKA_TOKEN, token), f.Create(CKA.CKA_PRIVATE, round % 2 == 0),
                        f.Create(CKA.CKA_LABEL, label), f.Create(CKA.CKA_APPLICATION, tag), f.Create(CKA.CKA_VALUE, data),
                    ]);
                    List<IObjectHandle> found = s.FindAllObjects([f.Create(CKA.CKA_LABEL, label)]);
                    if (found.Count != 1 || found[0].ObjectId != h.ObjectId)
                        errors.Enqueue($"thread {id} round {round}: found {found.Count} objects labelled {label}");
                    byte[] value = s.GetAttributeValue(h, [CKA.CKA_VALUE])[0].GetValueAsByteArray();
                    if (!value.AsSpan().SequenceEqual(data))
                        errors.Enqueue($"thread {id} round {round}: CKA_VALUE read back wrong");
                    s.DestroyObject(h);
                }
            }
            catch (Exception e)
            {
                errors.Enqueue($"thread {id}: {e.GetType().Name}: {e.Message}");
            }
        }

        var threads = Enumerable.Range(0, Threads).Select(i => new Thread(() => Work(i)) { IsBackground = true, Name = "p11-" + i }).ToList();
        threads.ForEach(t => t.Start());
        foreach (Thread t in threads)
            Assert.That(t.Join(TimeSpan.FromMinutes(5)), Is.True, $"{t.Name} finished within 5 minutes (deadlock?)");

        Assert.That(errors, Is.Empty, string.Join("\n", errors));
        Assert.That(randoms, Has.Count.EqualTo(Threads * Rounds));
        Assert.That(randoms, Is.Unique, "no two C_GenerateRandom calls returned the same 16 bytes");
        Assert.That(P11.Find(login.SessionId, Attr.Utf8(CKA.CKA_APPLICATION, tag)), Is.Empty, "every object was destroyed");
    }

    [Test]
    public void Threads_opening_and_closing_sessions_get_unique_handles()
    {
        var handles = new ConcurrentBag<ulong>();
        var errors = new ConcurrentQueue<string>();
        var threads = Enumerable.Range(0, Threads).Select(i => new Thread(() =>
        {
            for (int k = 0; k < 50; k++)
            {
                CKR rv = P11.TryOpenSession(Module.MainSlot, k % 2 == 0, out ulong s);
                if (rv != CKR.CKR_OK) { errors.Enqueue($"C_OpenSession: {rv}"); continue; }
                handles.Add(s);
                rv = Module.Low.C_CloseSession(s);
                if (rv != CKR.CKR_OK) errors.Enqueue($"C_CloseSession: {rv}");
            }
        }) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => Assert.That(t.Join(TimeSpan.FromMinutes(2)), Is.True, "thread finished"));
        Assert.That(errors, Is.Empty, string.Join("\n", errors));
        Assert.That(handles, Is.Unique, "session handles are never handed out twice, even concurrently");
    }
}
