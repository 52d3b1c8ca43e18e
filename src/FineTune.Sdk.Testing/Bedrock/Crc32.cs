namespace FineTune.Sdk.Testing;

/// <summary>CRC-32 (IEEE 802.3, the event-stream and S3 <c>CRC32</c> checksum) and CRC-32C (Castagnoli, S3 <c>CRC32C</c>).</summary>
internal static class Crc32
{
    private static readonly uint[] IeeeTable = Table(0xEDB88320u);
    private static readonly uint[] CastagnoliTable = Table(0x82F63B78u);

    public static uint Compute(ReadOnlySpan<byte> data) => Compute(IeeeTable, data);

    public static uint ComputeC(ReadOnlySpan<byte> data) => Compute(CastagnoliTable, data);

    /// <summary>The base64 of the big-endian checksum, as S3's <c>x-amz-checksum-crc32</c>/<c>-crc32c</c> carry it.</summary>
    public static string Base64(uint value) => Convert.ToBase64String([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);

    private static uint Compute(uint[] table, ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[] Table(uint polynomial)
    {
        var table = new uint[256];
        for (var i = 0u; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? polynomial ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
