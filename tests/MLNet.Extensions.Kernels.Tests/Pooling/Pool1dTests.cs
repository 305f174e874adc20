using MLNet.Extensions.Kernels.Pooling;
using MLNet.Extensions.Kernels.Tests.Reference;
using MLNet.Extensions.TestUtilities;

namespace MLNet.Extensions.Kernels.Tests.Pooling;

public class Pool1dTests
{
    public static TheoryData<VectorWidth> Widths() => VectorWidthScope.SupportedWidths();

    /// <summary>Windows 1..5, strides 1..3, every legal padding, channel counts around each vector width's tail, N = 1..3.</summary>
    private static IEnumerable<Pool1dShape> Sweep()
    {
        int[] channels = [1, 3, 5, 8, 17, 33];
        int i = 0;
        for (int size = 1; size <= 5; size++)
        for (int stride = 1; stride <= 3; stride++)
        for (int padding = 0; padding < size; padding++, i++)
            yield return new Pool1dShape(1 + i % 3, Math.Max(1, size - 2 * padding) + i % 6, channels[i % channels.Length], size, stride, padding);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void MaxMatchesReferenceAndFiniteDifferences(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        ulong seed = 1;
        foreach (Pool1dShape s in Sweep())
        {
            float[] input = RandomData.Uniform(s.InputSize, seed++), upstream = RandomData.Uniform(s.OutputSize, seed++);
            double[] x = Arrays.ToDouble(input);
            (double[] expected, int[] expectedArgmax) = ReferencePooling.Pool1d(s, x, max: true);
            var output = new float[s.OutputSize];
            var argmax = new int[s.OutputSize];
            MaxPool1d.Forward(s, input, output, argmax);
            Tolerance.AssertClose(expected, output, 0, 0, $"max {s}");
            Assert.Equal(expectedArgmax, argmax);

            var dInput = new float[s.InputSize];
            dInput.AsSpan().Fill(float.NaN); // overwritten, not accumulated
            MaxPool1d.Backward(s, upstream, argmax, dInput);
            // A tiny step keeps every perturbed value on the same side of its rivals (inputs are distinct).
            double[] numeric = FiniteDifference.Gradient(v => Arrays.Dot(ReferencePooling.Pool1d(s, v, true).Output, upstream), x, 1e-7);
            Tolerance.AssertClose(numeric, dInput, 1e-4, 1e-5, $"dmax {s}");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void AverageMatchesReferenceAndFiniteDifferences(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        ulong seed = 500;
        foreach (Pool1dShape s in Sweep())
        {
            float[] input = RandomData.Uniform(s.InputSize, seed++), upstream = RandomData.Uniform(s.OutputSize, seed++);
            double[] x = Arrays.ToDouble(input);
            var output = new float[s.OutputSize];
            AvgPool1d.Forward(s, input, output);
            Tolerance.AssertClose(ReferencePooling.Pool1d(s, x, max: false).Output, output, 1e-6, 1e-6, $"avg {s}");

            var dInput = new float[s.InputSize];
            dInput.AsSpan().Fill(float.NaN);
            AvgPool1d.Backward(s, upstream, dInput);
            double[] numeric = FiniteDifference.Gradient(v => Arrays.Dot(ReferencePooling.Pool1d(s, v, false).Output, upstream), x);
            Tolerance.AssertClose(numeric, dInput, 1e-4, 1e-5, $"davg {s}");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void TiesGoToTheEarliestStepAndPaddingNeverWinsOrCounts(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        var s = new Pool1dShape(2, 7, 19, 3, 2, 1);
        float[] input = Enumerable.Repeat(-2f, s.InputSize).ToArray(); // below the zero a padded cell would hold
        var output = new float[s.OutputSize];
        var argmax = new int[s.OutputSize];
        MaxPool1d.Forward(s, input, output, argmax);
        Assert.All(output, v => Assert.Equal(-2f, v));
        for (int i = 0; i < argmax.Length; i++)
            Assert.Equal(Math.Max(0, i / s.Channels % s.OutputSteps * s.Stride - s.Padding), argmax[i]);
        AvgPool1d.Forward(s, input, output);
        Assert.All(output, v => Assert.Equal(-2f, v));
    }

    [Fact]
    public void BadArgumentsNameTheProblem()
    {
        var s = new Pool1dShape(2, 8, 3, 2, 2);
        float[] x = new float[s.InputSize], y = new float[s.OutputSize];
        int[] argmax = new int[s.OutputSize];
        var e = Assert.Throws<ArgumentException>(() => MaxPool1d.Forward(s, new float[x.Length - 1], y, argmax));
        Assert.Equal("input", e.ParamName);
        Assert.Contains("expected N*T*C = 48", e.Message);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => MaxPool1d.Forward(s, x, new float[1], argmax)).ParamName);
        Assert.Equal("argmax", Assert.Throws<ArgumentException>(() => MaxPool1d.Forward(s, x, y, new int[1])).ParamName);
        Assert.Equal("dInput", Assert.Throws<ArgumentException>(() => AvgPool1d.Backward(s, y, new float[1])).ParamName);
        Assert.Equal("dOutput", Assert.Throws<ArgumentException>(() => AvgPool1d.Backward(s, new float[1], x)).ParamName);
        argmax[3] = 8;
        e = Assert.Throws<ArgumentException>(() => MaxPool1d.Backward(s, y, argmax, x));
        Assert.Equal("argmax", e.ParamName);
        Assert.Contains("argmax[3] is 8", e.Message);

        foreach (Pool1dShape bad in new[] { s with { Padding = 2 }, s with { Stride = 0 }, s with { Size = 0 }, s with { Channels = 0 }, new Pool1dShape(1, 2, 1, 6, 1, 1) })
        {
            e = Assert.Throws<ArgumentException>(() => AvgPool1d.Forward(bad, x, y));
            Assert.Equal("shape", e.ParamName);
        }
        Assert.Contains("every window holds a real step", Assert.Throws<ArgumentException>(() => AvgPool1d.Forward(s with { Padding = 2 }, x, y)).Message);
    }
}
