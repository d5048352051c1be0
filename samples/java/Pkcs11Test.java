// Java 17 SunPKCS11 over libcloudhsm_pkcs11.so: keys made in the token, then sign/verify
// (SHA256withRSA, RSASSA-PSS, SHA256withECDSA) and AES/GCM/NoPadding from 8 threads at once.
//
// Run as a single-file source program (no build step):
//   CLOUDHSM_PKCS11_CONF=/path/pkcs11.json CLOUDHSM_PIN=<user PIN> \
//     java Pkcs11Test.java /path/cloudhsm-pkcs11.cfg [threads] [iterations per thread]
//
// The PIN comes from the environment variable CLOUDHSM_PIN, not from the command line, where `ps`
// would show it. Each check prints "ok   <name>" or "FAIL <name>: <why>"; the last line is
// "N passed, N failed"; the exit status is 1 if anything failed.
//
// Every signature made in the token is also verified outside it, by the JDK's own providers
// (SunRsaSign, SunEC) over the public key read back from the token, so a token that agrees with
// itself but is wrong cannot pass.

import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Security;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

public class Pkcs11Test {
    static int passed, failed;

    static void ok(String name) { System.out.println("ok   " + name); passed++; }

    static void fail(String name, Object why) { System.out.println("FAIL " + name + ": " + why); failed++; }

    static void check(String name, boolean condition, Object why) {
        if (condition) ok(name); else fail(name, why);
    }

    static final PSSParameterSpec PSS_SHA256 =
            new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, PSSParameterSpec.TRAILER_FIELD_BC);

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: java Pkcs11Test.java <sunpkcs11.cfg> [threads] [iterations]  (PIN in env CLOUDHSM_PIN)");
            System.exit(2);
        }
        String pinText = System.getenv("CLOUDHSM_PIN");
        if (pinText == null || pinText.isEmpty()) {
            System.err.println("set CLOUDHSM_PIN to the token's user PIN");
            System.exit(2);
        }
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int iterations = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        try {
            run(args[0], pinText.toCharArray(), threads, iterations);
        } catch (Throwable t) {
            fail("unexpected exception", t);
            t.printStackTrace(System.out);
        }
        System.out.println(passed + " passed, " + failed + " failed");
        System.out.flush();
        // halt, not exit: nothing left to clean up, and the exit status must not depend on shutdown hooks.
        Runtime.getRuntime().halt(failed == 0 ? 0 : 1);
    }

    static void run(String config, char[] pin, int threads, int iterations) throws Exception {
        // 1. The provider: SunPKCS11 configured from the file; C_Initialize happens here.
        Provider p = Security.getProvider("SunPKCS11").configure(config);
        Security.addProvider(p);
        check("SunPKCS11 configured from " + config, p.getName().equals("SunPKCS11-CloudHsm"), p.getName());

        // 2. Log in through the KeyStore (C_Login), and find the entries keytool made in the token.
        KeyStore ks = KeyStore.getInstance("PKCS11", p);
        ks.load(null, pin);
        List<String> aliases = Collections.list(ks.aliases());
        check("KeyStore.load logs in and lists the token's entries", !aliases.isEmpty(), aliases);
        // keytool -genkeypair stored each key pair as a private key object and a certificate object.
        java.util.Map<String, PrivateKey> storedKey = new java.util.HashMap<>();
        java.util.Map<String, PublicKey> storedPub = new java.util.HashMap<>();
        for (String alias : aliases) {
            if (ks.isKeyEntry(alias) && ks.getCertificate(alias) instanceof X509Certificate cert) {
                String alg = cert.getPublicKey().getAlgorithm();
                if (storedKey.containsKey(alg)) continue;
                cert.verify(cert.getPublicKey()); // self-signed by the key in the token at keytool -genkeypair
                storedKey.put(alg, (PrivateKey) ks.getKey(alias, null));
                storedPub.put(alg, cert.getPublicKey());
                ok("keytool's " + alg + " entry '" + alias + "': private key + self-signed certificate (" + cert.getSubjectX500Principal() + ")");
            }
        }
        if (!storedKey.containsKey("RSA")) fail("keytool's RSA entry", "no RSA PrivateKeyEntry among " + aliases);

        // 3. Keys generated in the token through the provider (C_GenerateKeyPair / C_GenerateKey).
        KeyPairGenerator rsaGen = KeyPairGenerator.getInstance("RSA", p);
        rsaGen.initialize(2048);
        KeyPair rsa = rsaGen.generateKeyPair();
        check("RSA-2048 key pair generated in the token", isP11(rsa.getPrivate()) && isP11(rsa.getPublic()), rsa.getPrivate().getClass());
        KeyPairGenerator ecGen = KeyPairGenerator.getInstance("EC", p);
        ecGen.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair ec = ecGen.generateKeyPair();
        check("EC P-256 key pair generated in the token", isP11(ec.getPrivate()) && isP11(ec.getPublic()), ec.getPrivate().getClass());
        KeyGenerator aesGen = KeyGenerator.getInstance("AES", p);
        aesGen.init(256);
        SecretKey aes = aesGen.generateKey();
        check("AES-256 key generated in the token", isP11(aes) && aes.getAlgorithm().equals("AES"), aes.getClass());

        // Public keys as the JDK's own providers see them, for verification outside the token.
        PublicKey rsaPubSw = KeyFactory.getInstance("RSA", "SunRsaSign").generatePublic(new X509EncodedKeySpec(rsa.getPublic().getEncoded()));
        PublicKey ecPubSw = KeyFactory.getInstance("EC", "SunEC").generatePublic(new X509EncodedKeySpec(ec.getPublic().getEncoded()));

        List<Op> ops = new ArrayList<>();
        ops.add(new SignOp("SHA256withRSA", p, rsa.getPrivate(), rsa.getPublic(), rsaPubSw, "SHA256withRSA", "SunRsaSign", null));
        ops.add(new SignOp("RSASSA-PSS", p, rsa.getPrivate(), rsa.getPublic(), rsaPubSw, "RSASSA-PSS", "SunRsaSign", PSS_SHA256));
        ops.add(new SignOp("SHA256withECDSA", p, ec.getPrivate(), ec.getPublic(), ecPubSw, "SHA256withECDSA", "SunEC", null));
        // Keys stored in the token by keytool (persistent objects), verified with the certificate's
        // public key: in the token SunPKCS11 imports it (C_CreateObject), outside it the JDK uses it as is.
        if (storedKey.containsKey("RSA")) {
            ops.add(new SignOp("SHA256withRSA (keytool's token key)", p, storedKey.get("RSA"), storedPub.get("RSA"), storedPub.get("RSA"),
                    "SHA256withRSA", "SunRsaSign", null));
        }
        if (storedKey.containsKey("EC")) {
            ops.add(new SignOp("SHA256withECDSA (keytool's token key)", p, storedKey.get("EC"), storedPub.get("EC"), storedPub.get("EC"),
                    "SHA256withECDSA", "SunEC", null));
        }
        ops.add(new GcmOp(p, aes));
        // The library's runtime (NativeAOT) installs its own SIGSEGV/SIGFPE handlers when it loads,
        // over the JVM's; they must pass faults outside the library on to the JVM, which turns them
        // into NullPointerException, ArithmeticException and StackOverflowError.
        ops.add(new JvmFaultsOp());

        // 4. Each operation once, on this thread, with its negative checks.
        for (Op op : ops) {
            try {
                ok(op.name() + ": " + op.once());
            } catch (Throwable t) {
                fail(op.name() + ": once", t);
            }
        }

        // 5. All of them from `threads` threads at once, `iterations` rounds each.
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicInteger[] bad = new AtomicInteger[ops.size()];
        AtomicInteger[] done = new AtomicInteger[ops.size()];
        List<String> firstErrors = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < ops.size(); i++) { bad[i] = new AtomicInteger(); done[i] = new AtomicInteger(); }
        long start = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            futures.add(pool.submit(() -> {
                for (int n = 0; n < iterations; n++) {
                    for (int i = 0; i < ops.size(); i++) {
                        try {
                            if (!ops.get(i).round()) {
                                bad[i].incrementAndGet();
                                if (firstErrors.size() < 5) firstErrors.add(ops.get(i).name() + ": wrong result");
                            }
                        } catch (Throwable e) {
                            bad[i].incrementAndGet();
                            if (firstErrors.size() < 5) firstErrors.add(ops.get(i).name() + ": " + e);
                        }
                        done[i].incrementAndGet();
                    }
                }
                return null;
            }));
        }
        pool.shutdown();
        boolean finished = pool.awaitTermination(90, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (!finished) {
            fail(threads + " threads finished within 90 s", "still running; done so far: " + Arrays.toString(done));
            return;
        }
        for (Future<?> f : futures) f.get();
        for (int i = 0; i < ops.size(); i++) {
            int expected = threads * iterations;
            check(String.format("%s from %d threads: %d/%d right", ops.get(i).name(), threads, done[i].get() - bad[i].get(), expected),
                    bad[i].get() == 0 && done[i].get() == expected, bad[i].get() + " failed, first errors: " + firstErrors);
        }
        System.out.printf("     (%d threads x %d rounds x %d operations in %.1f s)%n", threads, iterations, ops.size(), seconds);
    }

    static boolean isP11(Key k) { return k.getClass().getName().startsWith("sun.security.pkcs11."); }

    interface Op {
        String name();
        String once() throws Exception; // one round plus negative checks; throws on any problem, else says what it checked
        boolean round() throws Exception;
    }

    /** Sign in the token; verify in the token and with the JDK's software provider. */
    record SignOp(String name, Provider p, PrivateKey priv, PublicKey pub, PublicKey pubSw, String alg, String swProvider,
                  PSSParameterSpec params) implements Op {
        Signature sig(String provider, boolean token) throws Exception {
            Signature s = token ? Signature.getInstance(alg, p) : Signature.getInstance(alg, provider);
            if (params != null) s.setParameter(params);
            return s;
        }

        byte[] sign(byte[] data) throws Exception {
            Signature s = sig(null, true);
            s.initSign(priv);
            s.update(data);
            return s.sign();
        }

        boolean verify(byte[] data, byte[] signature, boolean token) throws Exception {
            Signature s = sig(swProvider, token);
            s.initVerify(token ? pub : pubSw);
            s.update(data);
            return s.verify(signature);
        }

        public boolean round() throws Exception {
            byte[] data = new byte[1 + ThreadLocalRandomHolder.next(4096)];
            ThreadLocalRandomHolder.fill(data);
            byte[] signature = sign(data);
            return verify(data, signature, true) && verify(data, signature, false);
        }

        public String once() throws Exception {
            byte[] data = "the quick brown fox".getBytes();
            byte[] signature = sign(data);
            if (!verify(data, signature, true)) throw new AssertionError("token rejects its own signature");
            if (!verify(data, signature, false)) throw new AssertionError(swProvider + " rejects the token's signature");
            byte[] other = "the quick brown fix".getBytes();
            if (verify(other, signature, true)) throw new AssertionError("token accepts a signature over other data");
            if (verify(other, signature, false)) throw new AssertionError(swProvider + " accepts a signature over other data");
            // A corrupted signature: rejected (false or SignatureException), never accepted.
            byte[] broken = signature.clone();
            broken[broken.length / 2] ^= 1;
            boolean accepted;
            try { accepted = verify(data, broken, true); } catch (java.security.SignatureException e) { accepted = false; }
            if (accepted) throw new AssertionError("token accepts a corrupted signature");
            return "verified in the token and by " + swProvider + "; other data and a corrupted signature rejected";
        }
    }

    /** AES/GCM/NoPadding with a 128-bit tag and a fresh 12-byte IV, encrypt and decrypt in the token. */
    record GcmOp(Provider p, SecretKey key) implements Op {
        public String name() { return "AES-256/GCM/NoPadding"; }

        byte[] crypt(int mode, byte[] iv, byte[] aad, byte[] in) throws Exception {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding", p);
            c.init(mode, key, new GCMParameterSpec(128, iv));
            if (aad != null) c.updateAAD(aad);
            return c.doFinal(in);
        }

        public boolean round() throws Exception {
            byte[] iv = new byte[12], aad = new byte[16], plain = new byte[ThreadLocalRandomHolder.next(2048)];
            ThreadLocalRandomHolder.fill(iv);
            ThreadLocalRandomHolder.fill(aad);
            ThreadLocalRandomHolder.fill(plain);
            byte[] ct = crypt(Cipher.ENCRYPT_MODE, iv, aad, plain);
            if (ct.length != plain.length + 16) return false;
            return Arrays.equals(plain, crypt(Cipher.DECRYPT_MODE, iv, aad, ct));
        }

        public String once() throws Exception {
            byte[] iv = new byte[12];
            ThreadLocalRandomHolder.fill(iv);
            byte[] plain = "attack at dawn, bring snacks".getBytes();
            byte[] aad = "header".getBytes();
            byte[] ct = crypt(Cipher.ENCRYPT_MODE, iv, aad, plain);
            if (ct.length != plain.length + 16) throw new AssertionError("ciphertext is " + ct.length + " bytes, expected " + (plain.length + 16));
            if (!Arrays.equals(plain, crypt(Cipher.DECRYPT_MODE, iv, aad, ct))) throw new AssertionError("decrypt does not give the plaintext back");
            byte[] bad = ct.clone();
            bad[0] ^= 1;
            try {
                crypt(Cipher.DECRYPT_MODE, iv, aad, bad);
                throw new AssertionError("a modified ciphertext decrypts");
            } catch (AEADBadTagException expected) { }
            try {
                crypt(Cipher.DECRYPT_MODE, iv, "other".getBytes(), ct);
                throw new AssertionError("other AAD decrypts");
            } catch (AEADBadTagException expected) { }
            return "encrypt + decrypt; a modified ciphertext or other AAD is AEADBadTagException";
        }
    }

    /** Hardware faults the JVM relies on, taken while the library is loaded and busy on other threads. */
    record JvmFaultsOp() implements Op {
        static final class Box { int value = 1; }
        static int read(Box b) { return b.value; }          // JIT: implicit null check, i.e. a SIGSEGV
        static int divide(int a, int b) { return a / b; }  // JIT: b == 0 traps with SIGFPE
        static int depth;
        static int recurse(int n) { depth = n; return recurse(n + 1) + 1; }

        public String name() { return "JVM faults (SIGSEGV, SIGFPE) while the library is loaded"; }

        public boolean round() {
            Box box = new Box();
            int npe = 0, ae = 0, sum = 0;
            for (int i = 0; i < 20_000; i++) {
                try { sum += read((i & 1023) == 0 ? null : box); } catch (NullPointerException e) { npe++; }
                try { sum += divide(i, (i & 1023) == 0 ? 0 : 1); } catch (ArithmeticException e) { ae++; }
            }
            return npe == 20 && ae == 20 && sum > 0;
        }

        public String once() {
            if (!round()) throw new AssertionError("a NullPointerException or ArithmeticException went missing");
            try {
                recurse(0);
                throw new AssertionError("unbounded recursion returned");
            } catch (StackOverflowError expected) { }
            return "NullPointerException, ArithmeticException and StackOverflowError still raised";
        }
    }

    static final class ThreadLocalRandomHolder {
        private static final ThreadLocal<SecureRandom> R = ThreadLocal.withInitial(SecureRandom::new);
        static void fill(byte[] b) { R.get().nextBytes(b); }
        static int next(int bound) { return R.get().nextInt(bound); }
    }
}
