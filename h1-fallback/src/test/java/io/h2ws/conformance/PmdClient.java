package io.h2ws.conformance;

import java.io.ByteArrayOutputStream;
import java.util.Locale;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The client's side of permessage-deflate (RFC 7692) written for the suite: parses and checks the
 * server's response (section 7, the client's list), compresses our messages (section 7.2.1) and
 * inflates the server's (section 7.2.2).
 */
final class PmdClient {

    private static final byte[] TAIL = {0x00, 0x00, (byte) 0xFF, (byte) 0xFF};

    final String response;
    final boolean serverNoContextTakeover;
    final boolean clientNoContextTakeover;
    final int serverMaxWindowBits;
    final int clientMaxWindowBits;
    private final Deflater deflater;
    private final Inflater inflater = new Inflater(true);

    private PmdClient(String response, boolean snct, boolean cnct, int sBits, int cBits) {
        this.response = response;
        this.serverNoContextTakeover = snct;
        this.clientNoContextTakeover = cnct;
        this.serverMaxWindowBits = sBits;
        this.clientMaxWindowBits = cBits;
        this.deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        if (cBits < 15) {
            // Deflater cannot shrink its window; Huffman-only coding has no back-references at all
            deflater.setStrategy(Deflater.HUFFMAN_ONLY);
        }
    }

    /**
     * The agreed parameters from the server's Sec-WebSocket-Extensions, or null when it did not
     * accept permessage-deflate.
     *
     * @throws IllegalStateException when the response is one a client must fail the connection for
     */
    static PmdClient fromResponse(String header, String offer) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String[] elements = header.split(",");
        if (elements.length != 1) {
            throw new IllegalStateException("the server answered with " + elements.length + " extensions: " + header);
        }
        String[] parts = elements[0].split(";");
        if (!parts[0].trim().equals("permessage-deflate")) {
            throw new IllegalStateException("the server accepted an extension we did not offer: " + header);
        }
        boolean snct = false;
        boolean cnct = false;
        int sBits = 15;
        int cBits = 15;
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim();
            String name = p;
            String value = null;
            int eq = p.indexOf('=');
            if (eq >= 0) {
                name = p.substring(0, eq).trim();
                value = p.substring(eq + 1).trim();
                if (value.startsWith("\"") && value.endsWith("\"") && value.length() >= 2) {
                    value = value.substring(1, value.length() - 1);
                }
            }
            name = name.toLowerCase(Locale.ROOT);
            if (!seen.add(name)) {
                throw new IllegalStateException("parameter " + name + " twice in " + header);
            }
            switch (name) {
                case "server_no_context_takeover" -> {
                    requireNoValue(name, value, header);
                    snct = true;
                }
                case "client_no_context_takeover" -> {
                    requireNoValue(name, value, header);
                    cnct = true;
                }
                case "server_max_window_bits" -> sBits = bits(name, value, header);
                case "client_max_window_bits" -> cBits = bits(name, value, header);
                default -> throw new IllegalStateException("unknown parameter " + name + " in " + header);
            }
        }
        // the response answers one of the offers (RFC 7692 section 5); it must fit that one
        String why = null;
        for (String o : offer == null ? new String[0] : offer.split(",")) {
            why = misfit(o, seen, sBits);
            if (why == null) {
                break;
            }
        }
        if (why != null) {
            throw new IllegalStateException("the response fits none of the offers (" + why + "): " + header);
        }
        return new PmdClient(header, snct, cnct, sBits, cBits);
    }

    /** Why the response (its parameter names and server window) cannot answer this offer element, or null. */
    private static String misfit(String offer, java.util.Set<String> response, int serverBits) {
        if (response.contains("client_max_window_bits") && !offer.contains("client_max_window_bits")) {
            return "client_max_window_bits not offered"; // section 7.1.2.2
        }
        if (offer.contains("server_no_context_takeover") && !response.contains("server_no_context_takeover")) {
            return "server_no_context_takeover offered but not answered"; // section 7.1.1.1
        }
        Integer offered = offeredBits(offer, "server_max_window_bits");
        if (offered != null && serverBits > offered) {
            return "server_max_window_bits above the offered " + offered; // section 7.1.2.1
        }
        return null;
    }

    private static Integer offeredBits(String offer, String name) {
        for (String p : offer.split(";")) {
            p = p.trim();
            if (p.startsWith(name + "=")) {
                return Integer.parseInt(p.substring(name.length() + 1).trim());
            }
        }
        return null;
    }

    private static void requireNoValue(String name, String value, String header) {
        if (value != null) {
            throw new IllegalStateException(name + " takes no value: " + header);
        }
    }

    private static int bits(String name, String value, String header) {
        if (value == null || !value.matches("8|9|1[0-5]")) {
            throw new IllegalStateException(name + " needs 8..15: " + header);
        }
        return Integer.parseInt(value);
    }

    /** One message compressed as section 7.2.1 says: DEFLATE, sync flush, the 4-byte tail removed. */
    byte[] compress(byte[] message) {
        if (clientNoContextTakeover) {
            deflater.reset();
        }
        deflater.setInput(message);
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length / 2 + 64);
        byte[] buf = new byte[64 * 1024];
        int n;
        do {
            n = deflater.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
            out.write(buf, 0, n);
        } while (n == buf.length);
        byte[] all = out.toByteArray();
        int len = all.length;
        if (len >= 4 && all[len - 4] == 0 && all[len - 3] == 0 && all[len - 2] == (byte) 0xFF && all[len - 1] == (byte) 0xFF) {
            len -= 4;
        }
        return java.util.Arrays.copyOf(all, len);
    }

    /** One compressed message from the server, inflated (section 7.2.2). */
    byte[] inflate(byte[] compressed) throws DataFormatException {
        if (inflater.finished()) {
            inflater.reset(); // the server ended its DEFLATE stream (BFINAL) with the last message
        }
        byte[] in = new byte[compressed.length + 4];
        System.arraycopy(compressed, 0, in, 0, compressed.length);
        System.arraycopy(TAIL, 0, in, compressed.length, 4);
        inflater.setInput(in);
        ByteArrayOutputStream out = new ByteArrayOutputStream(compressed.length * 3 + 64);
        byte[] buf = new byte[64 * 1024];
        while (true) {
            int n = inflater.inflate(buf);
            out.write(buf, 0, n);
            if (n == 0) {
                if (inflater.finished() || inflater.needsInput()) {
                    break;
                }
                throw new DataFormatException("inflater stalled");
            }
        }
        if (serverNoContextTakeover) {
            inflater.reset();
        }
        return out.toByteArray();
    }

    void end() {
        deflater.end();
        inflater.end();
    }
}
