package dev.ingot.memberlist.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.memberlist.wire.Message.*;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every vector of shared/research/memberlist-vectors.md (captured between Debian's Go memberlist 0.2.2 agents):
 * the wire bytes decode to the documented fields, and encoding those fields gives the same bytes.
 */
class VectorsTest {
    static final HexFormat HEX = HexFormat.of();
    static final byte[] VSN = {1, 5, 2, 0, 0, 0};
    static final byte[] VSN1 = {1, 5, 1, 0, 0, 0};
    static final byte[] KEY16 = HEX.parseHex("000102030405060708090a0b0c0d0e0f");
    static final byte[] KEY32 = HEX.parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    static final byte[] NONCE = HEX.parseHex("a0a1a2a3a4a5a6a7a8a9aaab");

    static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static byte[] hex(String s) {
        return HEX.parseHex(s);
    }

    static List<Message> open(Codec codec, String wire) throws WireException {
        List<Message> out = new ArrayList<>();
        List<WireException> errors = new ArrayList<>();
        codec.openPacket(hex(wire), out::add, errors::add);
        assertThat(errors).isEmpty();
        return out;
    }

    static Ping ping(String node, long seq, String src, String srcNode) {
        return new Ping(seq, node, ip(src), 7946, srcNode);
    }

    static Alive alive(String node, String addr) {
        return new Alive(1, node, ip(addr), 7946, null, VSN);
    }

    static PushNodeState state(String name, String addr, int st) {
        return new PushNodeState(name, ip(addr), 7946, null, 1, st, VSN);
    }

    static void assertEncodes(Message m, String hex) {
        assertThat(HEX.formatHex(Messages.encode(m))).isEqualTo(hex);
    }

    // ---- A / B: probes

    static final String PING_C_11 = "0085a44e6f6465a163a55365714e6f0baa536f7572636541646472a47f000001aa536f757263654e6f6465a161aa536f75726365506f7274cd1f0a";
    static final String ACK_10 = "0282a75061796c6f6164c0a55365714e6f0a";
    static final String PING_B_1 = "0085a44e6f6465a162a55365714e6f01aa536f7572636541646472a47f000001aa536f757263654e6f6465a161aa536f75726365506f7274cd1f0a";
    static final String ALIVE_B = "0486a441646472a47f000002ab496e6361726e6174696f6e01a44d657461c0a44e6f6465a162a4506f7274cd1f0aa356736ea6010502000000";
    static final String ALIVE_A = "0486a441646472a47f000001ab496e6361726e6174696f6e01a44d657461c0a44e6f6465a161a4506f7274cd1f0aa356736ea6010502000000";
    static final String ALIVE_C = "0486a441646472a47f000003ab496e6361726e6174696f6e01a44d657461c0a44e6f6465a163a4506f7274cd1f0aa356736ea6010502000000";
    static final String COMPOUND_PING_2ALIVE = "0703003b00390039" + PING_B_1 + ALIVE_B + ALIVE_A;

    @Test
    void pingAlone() throws Exception {
        assertThat(open(Codec.plain(), PING_C_11)).containsExactly(ping("c", 11, "127.0.0.1", "a"));
        assertEncodes(ping("c", 11, "127.0.0.1", "a"), PING_C_11);
    }

    @Test
    void ackWithNilPayload() throws Exception {
        assertThat(open(Codec.plain(), ACK_10)).containsExactly(new Ack(10, null));
        assertEncodes(new Ack(10, null), ACK_10);
    }

    @Test
    void pingWithPiggybackedGossip() throws Exception {
        List<Message> ms = open(Codec.plain(), COMPOUND_PING_2ALIVE);
        assertThat(ms).containsExactly(ping("b", 1, "127.0.0.1", "a"), alive("b", "127.0.0.2"), alive("a", "127.0.0.1"));
        assertThat(HEX.formatHex(Codec.compound(ms.stream().map(Messages::encode).toList()))).isEqualTo(COMPOUND_PING_2ALIVE);
    }

    @Test
    void ackWithPiggybackedGossip() throws Exception {
        String wire = "07030012003900390282a75061796c6f6164c0a55365714e6f01" + ALIVE_A + ALIVE_B;
        List<Message> ms = open(Codec.plain(), wire);
        assertThat(ms).containsExactly(new Ack(1, null), alive("a", "127.0.0.1"), alive("b", "127.0.0.2"));
        assertThat(HEX.formatHex(Codec.compound(ms.stream().map(Messages::encode).toList()))).isEqualTo(wire);
    }

    @Test
    void indirectProbe() throws Exception {
        String req = "0188a44e61636bc3a44e6f6465a163a4506f7274cd1f0aa55365714e6f0baa536f7572636541646472a47f000001aa536f757263654e6f6465a161aa536f75726365506f7274cd1f0aa6546172676574a47f000003";
        IndirectPing ip = new IndirectPing(11, ip("127.0.0.3"), 7946, "c", true, ip("127.0.0.1"), 7946, "a");
        assertThat(open(Codec.plain(), req)).containsExactly(ip);
        assertEncodes(ip, req);

        String relayPing = "0085a44e6f6465a163a55365714e6f0baa536f7572636541646472a47f000002aa536f757263654e6f6465a162aa536f75726365506f7274cd1f0a";
        assertThat(open(Codec.plain(), relayPing)).containsExactly(ping("c", 11, "127.0.0.2", "b"));
        assertEncodes(ping("c", 11, "127.0.0.2", "b"), relayPing);

        String nackWire = "07020009001d0b81a55365714e6f0b0383a446726f6da161ab496e6361726e6174696f6e01a44e6f6465a163";
        List<Message> ms = open(Codec.plain(), nackWire);
        assertThat(ms).containsExactly(new Nack(11), new Suspect(1, "c", "a"));
        assertEncodes(new Nack(11), "0b81a55365714e6f0b");
        assertEncodes(new Suspect(1, "c", "a"), "0383a446726f6da161ab496e6361726e6174696f6e01a44e6f6465a163");
        assertThat(HEX.formatHex(Codec.compound(ms.stream().map(Messages::encode).toList()))).isEqualTo(nackWire);
    }

    @Test
    void probeOfSuspectNodeWithCrc() throws Exception {
        String wire = "0c3e8b6cd10702003b001d0085a44e6f6465a163a55365714e6f0caa536f7572636541646472a47f000002aa536f757263654e6f6465a162aa536f75726365506f7274cd1f0a0383a446726f6da162ab496e6361726e6174696f6e01a44e6f6465a163";
        List<Message> ms = open(Codec.plain(), wire);
        assertThat(ms).containsExactly(ping("c", 12, "127.0.0.2", "b"), new Suspect(1, "c", "b"));
        Codec noCompression = new Codec(null, 1, "", false, true);
        assertThat(HEX.formatHex(noCompression.sealPacket(Codec.compound(ms.stream().map(Messages::encode).toList()), true))).isEqualTo(wire);
    }

    // ---- C: gossip

    @Test
    void gossipWithCrc() throws Exception {
        Codec nc = new Codec(null, 1, "", false, true);
        String[][] cases = {
            {"0c1cf378f4" + ALIVE_C},
            {"0c520752a00702003900390486a441646472a47f000002ab496e6361726e6174696f6e01a44d657461c0a44e6f6465a162a4506f7274cd1f0aa356736ea60105020000000486a441646472a47f000001ab496e6361726e6174696f6e01a44d657461c0a44e6f6465a161a4506f7274cd1f0aa356736ea6010502000000"},
            {"0c55ff57b20383a446726f6da161ab496e6361726e6174696f6e01a44e6f6465a163"},
            {"0cbf8005c80583a446726f6da162ab496e6361726e6174696f6e01a44e6f6465a163"},
            {"0cc887355e0583a446726f6da162ab496e6361726e6174696f6e01a44e6f6465a162"},
        };
        List<List<Message>> expected = List.of(
                List.of(alive("c", "127.0.0.3")),
                List.of(alive("b", "127.0.0.2"), alive("a", "127.0.0.1")),
                List.of(new Suspect(1, "c", "a")),
                List.of(new Dead(1, "c", "b")),
                List.of(new Dead(1, "b", "b")));
        for (int i = 0; i < cases.length; i++) {
            List<Message> ms = open(nc, cases[i][0]);
            assertThat(ms).containsExactlyElementsOf(expected.get(i));
            byte[] payload = ms.size() == 1 ? Messages.encode(ms.getFirst()) : Codec.compound(ms.stream().map(Messages::encode).toList());
            assertThat(HEX.formatHex(nc.sealPacket(payload, true))).isEqualTo(cases[i][0]);
        }
    }

    // ---- D: push/pull

    static final String PP_JOIN_B = "0683a44a6f696ec3a54e6f64657301ac5573657253746174654c656e0087a441646472a47f000002ab496e6361726e6174696f6e01a44d657461c0a44e616d65a162a4506f7274cd1f0aa5537461746500a356736ea6010502000000";
    static final String PP_JOIN_A = "0683a44a6f696ec3a54e6f64657301ac5573657253746174654c656e0087a441646472a47f000001ab496e6361726e6174696f6e01a44d657461c0a44e616d65a161a4506f7274cd1f0aa5537461746500a356736ea6010502000000";

    static Message readStream(Codec c, String wire) throws WireException {
        return c.readStream(new ByteArrayInputStream(hex(wire)));
    }

    @Test
    void pushPullJoin() throws Exception {
        Codec nc = new Codec(null, 1, "", false, true);
        PushPull b = new PushPull(true, List.of(state("b", "127.0.0.2", 0)), null);
        PushPull a = new PushPull(true, List.of(state("a", "127.0.0.1", 0)), null);
        assertThat(readStream(nc, PP_JOIN_B)).isEqualTo(b);
        assertThat(readStream(nc, PP_JOIN_A)).isEqualTo(a);
        assertThat(HEX.formatHex(nc.sealStream(Messages.encode(b)))).isEqualTo(PP_JOIN_B);
        assertThat(HEX.formatHex(nc.sealStream(Messages.encode(a)))).isEqualTo(PP_JOIN_A);
    }

    @Test
    void pushPullAntiEntropyAndAllStates() throws Exception {
        Codec nc = new Codec(null, 1, "", false, true);
        String wire = "0683a44a6f696ec2a54e6f64657303ac5573657253746174654c656e0087a441646472a47f000001ab496e6361726e6174696f6e01a44d657461c0a44e616d65a161a4506f7274cd1f0aa5537461746500a356736ea601050200000087a441646472a47f000002ab496e6361726e6174696f6e01a44d657461c0a44e616d65a162a4506f7274cd1f0aa5537461746500a356736ea601050200000087a441646472a47f000003ab496e6361726e6174696f6e01a44d657461c0a44e616d65a163a4506f7274cd1f0aa5537461746500a356736ea6010502000000";
        PushPull pp = new PushPull(false, List.of(state("a", "127.0.0.1", 0), state("b", "127.0.0.2", 0), state("c", "127.0.0.3", 0)), null);
        assertThat(readStream(nc, wire)).isEqualTo(pp);
        assertThat(HEX.formatHex(Messages.encode(pp))).isEqualTo(wire);
        String reply = "0683a44a6f696ec2a54e6f64657303ac5573657253746174654c656e0087a441646472a47f000002ab496e6361726e6174696f6e01a44d657461c0a44e616d65a162a4506f7274cd1f0aa5537461746500a356736ea601050200000087a441646472a47f000001ab496e6361726e6174696f6e01a44d657461c0a44e616d65a161a4506f7274cd1f0aa5537461746500a356736ea601050200000087a441646472a47f000003ab496e6361726e6174696f6e01a44d657461c0a44e616d65a163a4506f7274cd1f0aa5537461746500a356736ea6010502000000";
        PushPull rp = new PushPull(false, List.of(state("b", "127.0.0.2", 0), state("a", "127.0.0.1", 0), state("c", "127.0.0.3", 0)), null);
        assertThat(readStream(nc, reply)).isEqualTo(rp);
        assertThat(HEX.formatHex(Messages.encode(rp))).isEqualTo(reply);
        // D.3: only the State byte differs
        String prefix = "0683a44a6f696ec2a54e6f64657301ac5573657253746174654c656e00";
        String[] states = {
            "87a441646472a47f000003ab496e6361726e6174696f6e01a44d657461c0a44e616d65a163a4506f7274cd1f0aa5537461746501a356736ea6010502000000",
            "87a441646472a47f000003ab496e6361726e6174696f6e01a44d657461c0a44e616d65a163a4506f7274cd1f0aa5537461746502a356736ea6010502000000",
            "87a441646472a47f000002ab496e6361726e6174696f6e01a44d657461c0a44e616d65a162a4506f7274cd1f0aa5537461746503a356736ea6010502000000"};
        PushNodeState[] want = {state("c", "127.0.0.3", 1), state("c", "127.0.0.3", 2), state("b", "127.0.0.2", 3)};
        for (int i = 0; i < 3; i++) {
            PushPull one = new PushPull(false, List.of(want[i]), null);
            assertThat(readStream(nc, prefix + states[i])).isEqualTo(one);
            assertThat(HEX.formatHex(Messages.encode(one))).isEqualTo(prefix + states[i]);
        }
    }

    // ---- E: compression

    @Test
    void compressedUdpCompound() throws Exception {
        String wire = "0982a4416c676f00a3427566da0095000f0c00b003400e83000a9172f2864c9950624a4d29138761005553ded49133a64c103264e490fa0300c0c58c1b3b3274182a0c468d1ccb407923874eb30f0a081822f531e4c8920256257133268c1c3761e8a479e32600a92665e88401b6b0e14331a466d6bca9609495396e4c052820a024009d3c418a2469522851a3489532750a552ad5950fc364a56913a757b062c99a0d08";
        List<Message> ms = open(Codec.plain(), wire);
        assertThat(ms).containsExactly(ping("b", 1, "127.0.0.1", "a"), alive("b", "127.0.0.2"), alive("a", "127.0.0.1"));
        byte[] compound = Codec.compound(ms.stream().map(Messages::encode).toList());
        assertThat(HEX.formatHex(compound)).isEqualTo(COMPOUND_PING_2ALIVE);
        assertThat(HEX.formatHex(Codec.plain().sealPacket(compound, false))).isEqualTo(wire);
    }

    @Test
    void compressedStreams() throws Exception {
        Codec c = Codec.plain();
        String fromB = "0982a4416c676f00a3427566da0065000d0c22a5e44d1a37c34a397943a6cc9c00acaacc2923670a9d3074ca3029e306c0215241c8909143ea0f00000256257133268c1c3718d3bc7113805493321781917212a64d99506248417923874eb30f0a4a59c45806c0282b73dc980a5040c049000101";
        String fromA = "0982a4416c676f00a3427566da0065000d0c22a5e44d1a37c34a397943a6cc9c00acaacc2923670a9d3074ca3029e306c0215241c8909143ea0f00000156257133268c1c3718d3bc7113805493321781917212a64d99506148417923874eb30f0a4a59c45806c0282b73dc980a5040c049000101";
        PushPull b = new PushPull(true, List.of(state("b", "127.0.0.2", 0)), null);
        PushPull a = new PushPull(true, List.of(state("a", "127.0.0.1", 0)), null);
        assertThat(readStream(c, fromB)).isEqualTo(b);
        assertThat(readStream(c, fromA)).isEqualTo(a);
        assertThat(HEX.formatHex(c.sealStream(Messages.encode(b)))).isEqualTo(fromB);
        assertThat(HEX.formatHex(c.sealStream(Messages.encode(a)))).isEqualTo(fromA);

        String tcpPing = "0982a4416c676f00a3427566da003a00011422e5e40d9932a1c2949a52264e4102aaa6bca923674c992064c8c821f5070080011127562c53f060a83121295a84f2460e9d661f140404";
        Ping p = ping("a", 4, "127.0.0.3", "c");
        assertThat(readStream(c, tcpPing)).isEqualTo(p);
        assertThat(HEX.formatHex(c.sealStream(Messages.encode(p)))).isEqualTo(tcpPing);

        String tcpAck = "0982a4416c676f00a3427566b70005083a05254c1e366fc29001566a4a99384ede100808";
        assertThat(readStream(c, tcpAck)).isEqualTo(new Ack(4, null));
        assertThat(HEX.formatHex(c.sealStream(Messages.encode(new Ack(4, null))))).isEqualTo(tcpAck);
    }

    // ---- F: encryption

    @Test
    void encryptedUdpV1Aes128() throws Exception {
        String wire = "01aeb4128970b0d52a5b17f1101939d01e76e4621d406cacb616b8c938814120c4feb75a301ad95156fc78b71c52bf56736a5c06ce385a9779bb5c19cda0301262d0b8e173909f441fb6e191978012349608dee5c32ac0163045ad2038e15cdef316f7ca391f429ba7be9c41b07a6876a0e89d261a39f714cec3064cf0c709c2bc75c0786c38f2cdc15509e01372364bf3688e1e4eea94031f1e";
        Codec c = new Codec(new Keyring(List.of(KEY16)), 1, "", true, true);
        assertThat(open(c, wire)).containsExactly(alive("b", "127.0.0.2"), alive("a", "127.0.0.1"));
        // re-encrypting the decrypted plaintext with the captured nonce gives the captured bytes
        byte[] nonce = hex("aeb4128970b0d52a5b17f110");
        Keyring fixed = new Keyring(List.of(KEY16), n -> System.arraycopy(nonce, 0, n, 0, 12));
        byte[] plain = new Keyring(List.of(KEY16)).decrypt(hex(wire), new byte[0]);
        assertThat(HEX.formatHex(new Codec(fixed, 1, "", true, true).sealPacket(
                Codec.compound(List.of(hex(ALIVE_B), hex(ALIVE_A))), true))).isEqualTo(wire);
        assertThat(plain).hasSize(125);
    }

    @Test
    void encryptedStreamV1Aes128() throws Exception {
        String wire = "0a00000091011f29800f1313b9e914d5b5dd4eea05d693c955287e83c942c50a3b12b0ad08bbdd480355691e27a5fcecc786aa47a289d0bc7a6f744937de39bc923f0da157bb6896c4b6a6f2a4473165ad0ec11f9714f3b820d9c6d698e74b46ed2436929ce74e1224003e4f89608783dec2e48f12534d76c76a0441f448d91eafbe8f7129a5ba8e095c6d26569d9b6c2677ca7e6063";
        PushPull b = new PushPull(true, List.of(state("b", "127.0.0.2", 0)), null);
        assertThat(readStream(new Codec(new Keyring(List.of(KEY16)), 1, "", true, true), wire)).isEqualTo(b);
        byte[] nonce = hex("1f29800f1313b9e914d5b5dd");
        Codec fixed = new Codec(new Keyring(List.of(KEY16), n -> System.arraycopy(nonce, 0, n, 0, 12)), 1, "", true, true);
        assertThat(HEX.formatHex(fixed.sealStream(Messages.encode(b)))).isEqualTo(wire);
    }

    @Test
    void encryptedUdpV0Aes256WithMeta() throws Exception {
        String wire = "00d1c66155d9cda7dc8b1eff3f33de54864eb34c69122cc4c0437998015af44de6c67b1e6ff261f141bb9e63b8fad7066c80f2014c5165f2c13d1a8f52b27ea3042b04d0fd72e46d25348be937021dbba5949fdc728d819761203044c97079688a8b39b541b695927989bf16ce26bf29bc4705b426036d17d98f346831c05a9dd4ce99c61d2293fa99797bb11acb3ffb485e9481dcaa091092f9bccd995cc15fb621c33d22cc3541f327196638";
        byte[] meta = "zone=x".getBytes(StandardCharsets.US_ASCII);
        Alive b = new Alive(1, "b", ip("127.0.0.2"), 7946, meta, VSN1);
        Alive a = new Alive(1, "a", ip("127.0.0.1"), 7946, meta, VSN1);
        Codec c = new Codec(new Keyring(List.of(KEY32)), 0, "", false, true);
        assertThat(open(c, wire)).containsExactly(b, a);
        byte[] nonce = hex("d1c66155d9cda7dc8b1eff3f");
        Codec fixed = new Codec(new Keyring(List.of(KEY32), n -> System.arraycopy(nonce, 0, n, 0, 12)), 0, "", false, true);
        assertThat(HEX.formatHex(fixed.sealPacket(Codec.compound(List.of(Messages.encode(b), Messages.encode(a))), true))).isEqualTo(wire);
    }

    @Test
    void encryptedStreamV0WithUserState() throws Exception {
        String wire = "0a0000008d00dd3d50d57727749b82f84f54fa74d7399c78935d25b01c053c5c8c17b0582f9e4b913f3943c9b3c8f5e3ca1f9dbe211f62f4dc644a8c5c1a8b8b7249828c644077fd2b8b0aeb3c540cab923b59b09be96ffda3fbe44ac6d9188ea8836885690b6a321cfe83b64d920f6ad8761679ba3a78c2e8bdcb52091223957a5c5e1251d80953f1f02ef8c0ab60093462";
        PushPull pp = new PushPull(true, List.of(new PushNodeState("b", ip("127.0.0.2"), 7946, "zone=x".getBytes(StandardCharsets.US_ASCII), 1, 0, VSN1)),
                "hello".getBytes(StandardCharsets.US_ASCII));
        assertThat(readStream(new Codec(new Keyring(List.of(KEY32)), 0, "", false, true), wire)).isEqualTo(pp);
        byte[] nonce = hex("dd3d50d57727749b82f84f54");
        Codec fixed = new Codec(new Keyring(List.of(KEY32), n -> System.arraycopy(nonce, 0, n, 0, 12)), 0, "", false, true);
        assertThat(HEX.formatHex(fixed.sealStream(Messages.encode(pp)))).isEqualTo(wire);
    }

    static Keyring fixed(byte[] key) {
        return new Keyring(List.of(key), n -> System.arraycopy(NONCE, 0, n, 0, 12));
    }

    @Test
    void syntheticFixedNonceVectors() throws Exception {
        byte[] ack = hex(ACK_10);
        assertThat(HEX.formatHex(fixed(KEY16).encrypt(1, ack, new byte[0])))
                .isEqualTo("01a0a1a2a3a4a5a6a7a8a9aaaba8049feb1ff05f65eb1c75a51577c12e3ce42c81ebfd78b1073c98f1d14aaacb5a50");
        assertThat(HEX.formatHex(fixed(KEY16).encrypt(0, ack, new byte[0])))
                .isEqualTo("00a0a1a2a3a4a5a6a7a8a9aaaba8049feb1ff05f65eb1c75a51577c12e3ce42d068d1933a12b1e7f954c8381a6a191609d53c7f84c4c825d574023d86d");
        assertThat(HEX.formatHex(fixed(KEY32).encrypt(1, ack, new byte[0])))
                .isEqualTo("01a0a1a2a3a4a5a6a7a8a9aaabe49adb7d24b26ed003014776541fb1901fa61d049f7626b01bc9e58c782aa2d7f25b");
        for (String v : List.of("01a0a1a2a3a4a5a6a7a8a9aaaba8049feb1ff05f65eb1c75a51577c12e3ce42c81ebfd78b1073c98f1d14aaacb5a50",
                "00a0a1a2a3a4a5a6a7a8a9aaaba8049feb1ff05f65eb1c75a51577c12e3ce42d068d1933a12b1e7f954c8381a6a191609d53c7f84c4c825d574023d86d")) {
            assertThat(open(new Codec(new Keyring(List.of(KEY16)), 1, "", true, true), v)).containsExactly(new Ack(10, null));
        }

        // labelled packets, encrypted (AAD = label) and not
        String labelled = "f4076d6574616c6c6201a0a1a2a3a4a5a6a7a8a9aaaba8049feb1ff05f65eb1c75a51577c12e3ce4a44d1d91b3512ce085ee649da43b2464";
        assertThat(HEX.formatHex(new Codec(fixed(KEY16), 1, "metallb", false, true).sealPacket(ack, false))).isEqualTo(labelled);
        assertThat(open(new Codec(new Keyring(List.of(KEY16)), 1, "metallb", true, true), labelled)).containsExactly(new Ack(10, null));
        String plainLabelled = "f4076d6574616c6c620282a75061796c6f6164c0a55365714e6f0a";
        assertThat(HEX.formatHex(new Codec(null, 1, "metallb", false, true).sealPacket(ack, false))).isEqualTo(plainLabelled);
        assertThat(open(new Codec(null, 1, "metallb", true, true), plainLabelled)).containsExactly(new Ack(10, null));
        assertThatThrownBy(() -> open(Codec.plain(), plainLabelled)).isInstanceOf(WireException.class).hasMessageContaining("label");

        // stream encryption: AAD = 0a ‖ length
        String v1Stream = "0a0000002f01a0a1a2a3a4a5a6a7a8a9aaaba8049feb1ff05f65eb1c75a51577c12e3ce495e1ff6ebf3d0c24134626e7ade7d66a";
        String v0Stream = "0a0000003d00a0a1a2a3a4a5a6a7a8a9aaaba8049feb1ff05f65eb1c75a51577c12e3ce42d068d1933a12b1e7f954c8381a68080dc603929783b502a9b39df76c402";
        assertThat(HEX.formatHex(new Codec(fixed(KEY16), 1, "", false, true).sealStream(ack))).isEqualTo(v1Stream);
        assertThat(HEX.formatHex(new Codec(fixed(KEY16), 0, "", false, true).sealStream(ack))).isEqualTo(v0Stream);
        assertThat(readStream(new Codec(new Keyring(List.of(KEY16)), 1, "", true, true), v1Stream)).isEqualTo(new Ack(10, null));
        assertThat(readStream(new Codec(new Keyring(List.of(KEY16)), 1, "", true, true), v0Stream)).isEqualTo(new Ack(10, null));

        assertThat(HEX.formatHex(Codec.crc(ack))).isEqualTo("0cd67a5152" + ACK_10);
        assertThat(HEX.formatHex(Lzw.compress(ack))).isEqualTo("0005083a05254c1e366fc29001566a4a99384ede280808");
        assertThat(HEX.formatHex(Codec.compress(ack))).isEqualTo("0982a4416c676f00a3427566b70005083a05254c1e366fc29001566a4a99384ede280808");
    }

    @Test
    void metallbKeyDerivation() {
        assertThat(HEX.formatHex(Keyring.metallbKey("dGhpc2lzYXNlY3JldGtleQ", "0.13"))).isEqualTo("6447687063326c7a59584e6c59334a6c");
        assertThat(HEX.formatHex(Keyring.metallbKey("dGhpc2lzYXNlY3JldGtleQ", "0.14")))
                .isEqualTo("6447687063326c7a59584e6c59334a6c6447746c6551e3b0c44298fc1c149afb");
        assertThatThrownBy(() -> Keyring.metallbKey("x", "0.12")).hasMessageContaining("0.13");
    }
}
