using System.Globalization;
using MLNet.Extensions.Samples;
using MLNet.Extensions.Trainers.Tests.Support;

namespace MLNet.Extensions.Snippets.Tests.Support;

/// <summary>The image folder the README's CNN snippet expects: bundled MNIST digits as PNG files and a labels.csv.</summary>
public static class DigitFolder
{
    /// <summary>Writes digits [start, start + count) to <paramref name="folder"/> as digit-i.png with "digit-i.png,label" lines.</summary>
    public static MnistDigit[] Write(string folder, int start, int count)
    {
        Directory.CreateDirectory(folder);
        MnistDigit[] digits = MnistDigits.Load(MnistDigits.FindDataFolder()).Skip(start).Take(count).ToArray();
        var lines = new string[digits.Length];
        for (int i = 0; i < digits.Length; i++)
        {
            PngWriter.WriteGrayscale(Path.Combine(folder, $"digit-{i}.png"), digits[i].Pixels, MnistDigit.Side, MnistDigit.Side);
            lines[i] = string.Create(CultureInfo.InvariantCulture, $"digit-{i}.png,{digits[i].Digit}");
        }
        File.WriteAllLines(Path.Combine(folder, "labels.csv"), lines);
        return digits;
    }
}
