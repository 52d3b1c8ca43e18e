using System.Buffers.Binary;
using System.IO.Compression;

namespace FineTune.Sdk.Tests;

/// <summary>A minimal PNG decoder (8-bit RGB/RGBA, non-interlaced) for checking screenshots.</summary>
internal sealed class PngImage
{
    private PngImage(int width, int height, int channels, byte[] pixels)
    {
        Width = width;
        Height = height;
        Channels = channels;
        Pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    public int Channels { get; }

    public byte[] Pixels { get; }

    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            var i = (y * Width + x) * Channels;
            return (Pixels[i], Pixels[i + 1], Pixels[i + 2]);
        }
    }

    /// <summary>Counts the pixels that are not (near) white.</summary>
    public int CountNonWhite() => Count(p => p.R < 250 || p.G < 250 || p.B < 250);

    /// <summary>Counts the pixels within <paramref name="tolerance"/> of a colour on every channel.</summary>
    public int CountNear(int r, int g, int b, int tolerance) =>
        Count(p => Math.Abs(p.R - r) < tolerance && Math.Abs(p.G - g) < tolerance && Math.Abs(p.B - b) < tolerance);

    public static PngImage Decode(byte[] png)
    {
        if (png.Length < 8 || png[1] != (byte)'P' || png[2] != (byte)'N' || png[3] != (byte)'G')
        {
            throw new InvalidDataException("Not a PNG.");
        }

        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        var offset = 8;
        while (offset < png.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            var type = System.Text.Encoding.ASCII.GetString(png, offset + 4, 4);
            var data = png.AsSpan(offset + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                var bitDepth = data[8];
                var colorType = data[9];
                if (bitDepth != 8 || data[12] != 0 || colorType is not (2 or 6))
                {
                    throw new InvalidDataException($"Unsupported PNG: depth {bitDepth}, color type {colorType}, interlace {data[12]}.");
                }

                channels = colorType == 6 ? 4 : 3;
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }
            else if (type == "IEND")
            {
                break;
            }

            offset += 12 + length;
        }

        idat.Position = 0;
        using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        zlib.CopyTo(raw);
        var bytes = raw.ToArray();
        var stride = width * channels;
        var pixels = new byte[stride * height];
        for (var y = 0; y < height; y++)
        {
            var filter = bytes[y * (stride + 1)];
            var src = y * (stride + 1) + 1;
            var dst = y * stride;
            for (var x = 0; x < stride; x++)
            {
                int a = x >= channels ? pixels[dst + x - channels] : 0;
                int b = y > 0 ? pixels[dst - stride + x] : 0;
                int c = x >= channels && y > 0 ? pixels[dst - stride + x - channels] : 0;
                var value = bytes[src + x];
                pixels[dst + x] = filter switch
                {
                    0 => value,
                    1 => (byte)(value + a),
                    2 => (byte)(value + b),
                    3 => (byte)(value + ((a + b) >> 1)),
                    4 => (byte)(value + Paeth(a, b, c)),
                    _ => throw new InvalidDataException("Bad PNG filter."),
                };
            }
        }

        return new PngImage(width, height, channels, pixels);
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var pa = Math.Abs(p - a);
        var pb = Math.Abs(p - b);
        var pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private int Count(Func<(byte R, byte G, byte B), bool> match)
    {
        var count = 0;
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                count += match(this[x, y]) ? 1 : 0;
            }
        }

        return count;
    }
}
