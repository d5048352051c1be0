using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// fork() after C_Initialize (nginx forks its workers after the master loaded the key; DESIGN fact 2).
/// tests/native/fork.c does it in C: 3 children each C_Initialize (CKR_OK), find the parent's session void,
/// log in, digest, create and find their own token object, C_Finalize; the parent then sees their objects.
/// </summary>
public sealed class _26_ForkTest : ReadWriteSessionFixture
{
    [Test]
    public void Forked_children_reinitialise_work_and_their_changes_are_visible()
    {
        string prefix = P11.UniqueLabel("fork");
        var r = NativeHelpers.RunHelper("fork", [Settings.TokenLabel, Settings.UserPin, prefix], TimeSpan.FromMinutes(3));
        Assert.That(r.TimedOut, Is.False, "the fork helper finished (a child hanging at its first GC would not):\n" + r);
        Assert.That(r.ExitCode, Is.Zero, "fork helper (exit 10+i: child i failed; 20: parent check failed; 3: timeout):\n" + r);
        Assert.That(r.StdOut, Does.Contain("fork: ok"), r.ToString());

        P11.LoginUser(Session);
        string[] labels = [$"{prefix}-parent", $"{prefix}-child-0", $"{prefix}-child-1", $"{prefix}-child-2"];
        foreach (string label in labels)
        {
            ulong[] found = P11.Find(Session, Attr.Label(label));
            Assert.That(found, Has.Length.EqualTo(1), $"this process, too, sees {label} made by the helper's processes");
            P11.Ok(P11.Destroy(Session, found[0]), "clean-up");
        }
    }
}
