using MLNet.Extensions.Transforms.Sequences;
using Xunit;

namespace MLNet.Extensions.Transforms.Tests.Sequences;

/// <summary>The differencing SlidingWindow and the forecaster share: differences by hand, and Undo as its inverse.</summary>
public sealed class DifferencingTests
{
    [Fact]
    public void SecondDifferencesMatchTheHandComputedOnes()
    {
        // Quadratic 1, 4, 9, 16, 25: first differences 3, 5, 7, 9, second differences 2, 2, 2.
        Assert.Equal([3f, 5f, 7f, 9f], Differencing.Apply([1f, 4f, 9f, 16f, 25f], 1));
        Assert.Equal([2f, 2f, 2f], Differencing.Apply([1f, 4f, 9f, 16f, 25f], 2));
        Assert.Equal([1f, 4f], Differencing.Apply([1f, 4f], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Differencing.Apply([1f, 2f], 2));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void UndoTurnsTheNextDifferencesBackIntoTheSeries(int order)
    {
        float[] series = Enumerable.Range(0, 12).Select(t => 0.5f * t * t - 3f * t + MathF.Sin(t)).ToArray();
        float[] differenced = Differencing.Apply(series, order);
        // The differences after the first 8 values, restored from those 8, must give the last 4 values back.
        float[] next = differenced[^4..];
        Differencing.Undo(series.AsSpan(0, 8), order, next);
        for (int k = 0; k < 4; k++)
            Assert.Equal(series[8 + k], next[k], 1e-4f);
    }
}
