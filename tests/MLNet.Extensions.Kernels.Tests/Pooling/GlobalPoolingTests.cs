using MLNet.Extensions.Kernels.Pooling;
using MLNet.Extensions.Kernels.Tests.Reference;
using MLNet.Extensions.TestUtilities;

namespace MLNet.Extensions.Kernels.Tests.Pooling;

public class GlobalPoolingTests
{
    public static TheoryData<VectorWidth> Widths() => VectorWidthScope.SupportedWidths();

    /// <summary>Positions below, at and past each vector width with tails, odd channel counts, N = 1..3.</summary>
    private static readonly GlobalPoolShape[] s_shapes =
    [
        new(1, 1, 1), new(2, 3, 7), new(3, 5, 16), new(2, 4, 33), new(1, 2, 100), new(2, 17, 9), new(1, 33, 64),
    ];

    /// <summary>Lengths per shape for the sequence layout: all steps, then right-padded ones including 0 and 1.</summary>
    private static IEnumerable<int[]?> LengthsFor(GlobalPoolShape s)
    {
        yield return null;
        yield return Enumerable.Range(0, s.Batch).Select(n => n % 3 == 0 ? s.Positions : n % 3 == 1 ? 0 : 1).ToArray();
        yield return Enumerable.Range(0, s.Batch).Select(n => (n * 5 + s.Positions / 2) % s.Positions + 1).ToArray();
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void MapsMatchReferenceAndFiniteDifferences(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        ulong seed = 1;
        foreach (GlobalPoolShape s in s_shapes)
        {
            float[] input = RandomData.Uniform(s.InputSize, seed++), upstream = RandomData.Uniform(s.OutputSize, seed++);
            double[] x = Arrays.ToDouble(input);
            var output = new float[s.OutputSize];
            var argmax = new int[s.OutputSize];
            var dInput = new float[s.InputSize];

            GlobalAvgPool.ForwardMaps(s, input, output);
            Tolerance.AssertClose(ReferencePooling.Maps(s, x, max: false).Output, output, 1e-6, 1e-6, $"avg {s}");
            dInput.AsSpan().Fill(float.NaN);
            GlobalAvgPool.BackwardMaps(s, upstream, dInput);
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Arrays.Dot(ReferencePooling.Maps(s, v, false).Output, upstream), x), dInput, 1e-4, 1e-5, $"davg {s}");

            GlobalMaxPool.ForwardMaps(s, input, output, argmax);
            (double[] expected, int[] expectedArgmax) = ReferencePooling.Maps(s, x, max: true);
            Tolerance.AssertClose(expected, output, 0, 0, $"max {s}");
            Assert.Equal(expectedArgmax, argmax);
            dInput.AsSpan().Fill(float.NaN);
            GlobalMaxPool.BackwardMaps(s, upstream, argmax, dInput);
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Arrays.Dot(ReferencePooling.Maps(s, v, true).Output, upstream), x, 1e-7), dInput, 1e-4, 1e-5, $"dmax {s}");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void SequencesMatchReferenceAndFiniteDifferencesWithAndWithoutLengths(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        ulong seed = 100;
        foreach (GlobalPoolShape s in s_shapes)
        foreach (int[]? lengths in LengthsFor(s))
        {
            float[] input = RandomData.Uniform(s.InputSize, seed++), upstream = RandomData.Uniform(s.OutputSize, seed++);
            double[] x = Arrays.ToDouble(input);
            int[] given = lengths ?? [];
            string what = $"{s} lengths [{string.Join(", ", given)}]";
            var output = new float[s.OutputSize];
            var argmax = new int[s.OutputSize];
            var dInput = new float[s.InputSize];

            output.AsSpan().Fill(float.NaN);
            GlobalAvgPool.ForwardSequences(s, input, given, output);
            Tolerance.AssertClose(ReferencePooling.Sequences(s, x, lengths, max: false).Output, output, 1e-6, 1e-6, $"avg {what}");
            dInput.AsSpan().Fill(float.NaN);
            GlobalAvgPool.BackwardSequences(s, upstream, given, dInput);
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Arrays.Dot(ReferencePooling.Sequences(s, v, lengths, false).Output, upstream), x), dInput, 1e-4, 1e-5, $"davg {what}");

            output.AsSpan().Fill(float.NaN);
            GlobalMaxPool.ForwardSequences(s, input, given, output, argmax);
            (double[] expected, int[] expectedArgmax) = ReferencePooling.Sequences(s, x, lengths, max: true);
            Tolerance.AssertClose(expected, output, 0, 0, $"max {what}");
            Assert.Equal(expectedArgmax, argmax);
            dInput.AsSpan().Fill(float.NaN);
            GlobalMaxPool.BackwardSequences(s, upstream, argmax, dInput);
            Tolerance.AssertClose(FiniteDifference.Gradient(v => Arrays.Dot(ReferencePooling.Sequences(s, v, lengths, true).Output, upstream), x, 1e-7), dInput, 1e-4, 1e-5, $"dmax {what}");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void MaxTiesGoToTheFirstPositionAcrossLanesAndTails(VectorWidth width)
    {
        using var scope = new VectorWidthScope(width);
        var s = new GlobalPoolShape(1, 1, 41);
        foreach (int[] winners in new[] { new[] { 37, 21, 5 }, new[] { 40, 39 }, new[] { 17, 1 }, Enumerable.Range(0, 41).ToArray() })
        {
            var plane = new float[41];
            plane.AsSpan().Fill(-3f);
            foreach (int p in winners)
                plane[p] = 2f;
            var output = new float[1];
            var argmax = new int[1];
            GlobalMaxPool.ForwardMaps(s, plane, output, argmax);
            Assert.Equal(2f, output[0]);
            Assert.Equal(winners.Min(), argmax[0]);
            GlobalMaxPool.ForwardSequences(new GlobalPoolShape(1, 1, 41), plane, [], output, argmax); // one channel: steps are the plane
            Assert.Equal(winners.Min(), argmax[0]);
        }
    }

    [Fact]
    public void EmptySequencesPoolToZeroAndRouteNoGradient()
    {
        var s = new GlobalPoolShape(2, 3, 4);
        float[] input = RandomData.Uniform(s.InputSize, 9);
        var output = new float[s.OutputSize];
        var argmax = new int[s.OutputSize];
        GlobalMaxPool.ForwardSequences(s, input, [0, 4], output, argmax);
        Assert.Equal(new[] { 0f, 0f, 0f }, output[..3]);
        Assert.Equal(new[] { -1, -1, -1 }, argmax[..3]);
        var dInput = new float[s.InputSize];
        GlobalMaxPool.BackwardSequences(s, [1f, 1f, 1f, 1f, 1f, 1f], argmax, dInput);
        Assert.All(dInput[..12], v => Assert.Equal(0f, v));
        Assert.Equal(3f, dInput[12..].Sum());
    }

    [Fact]
    public void BadArgumentsNameTheProblem()
    {
        var s = new GlobalPoolShape(2, 3, 4);
        float[] x = new float[s.InputSize], y = new float[s.OutputSize];
        int[] argmax = new int[s.OutputSize];
        var e = Assert.Throws<ArgumentException>(() => GlobalAvgPool.ForwardSequences(s, x, [1], y));
        Assert.Equal("lengths", e.ParamName);
        Assert.Contains("expected none or N = 2", e.Message);
        e = Assert.Throws<ArgumentException>(() => GlobalMaxPool.ForwardSequences(s, x, [1, 5], y, argmax));
        Assert.Equal("lengths", e.ParamName);
        Assert.Contains("lengths[1] is 5; expected 0..4", e.Message);
        Assert.Equal("lengths", Assert.Throws<ArgumentException>(() => GlobalAvgPool.BackwardSequences(s, y, [-1, 0], x)).ParamName);
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => GlobalAvgPool.ForwardMaps(s, new float[5], y)).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => GlobalMaxPool.ForwardMaps(s, x, new float[5], argmax)).ParamName);
        Assert.Equal("argmax", Assert.Throws<ArgumentException>(() => GlobalMaxPool.ForwardMaps(s, x, y, new int[5])).ParamName);
        Assert.Equal("dInput", Assert.Throws<ArgumentException>(() => GlobalAvgPool.BackwardMaps(s, y, new float[5])).ParamName);
        argmax[2] = 4;
        Assert.Equal("argmax", Assert.Throws<ArgumentException>(() => GlobalMaxPool.BackwardMaps(s, y, argmax, x)).ParamName);
        Assert.Equal("argmax", Assert.Throws<ArgumentException>(() => GlobalMaxPool.BackwardSequences(s, y, argmax, x)).ParamName);
        foreach (GlobalPoolShape bad in new[] { s with { Positions = 0 }, s with { Channels = 0 }, s with { Batch = -1 } })
            Assert.Equal("shape", Assert.Throws<ArgumentException>(() => GlobalAvgPool.ForwardMaps(bad, x, y)).ParamName);
    }
}
