using MLNet.Extensions.Transforms.Sequences;
using Xunit;

namespace MLNet.Extensions.Transforms.Tests.Sequences;

/// <summary>The statistics StandardizeSequence and the forecaster share.</summary>
public sealed class SeriesStatisticsTests
{
    [Fact]
    public void StatisticsPoolEachFeatureOverSteps()
    {
        var statistics = new SeriesStatistics(2);
        statistics.Add([1f, 10f, 3f, 10f]);
        statistics.Add([5f, 10f]);
        Assert.Equal(3, statistics.Count);
        Assert.Equal(3.0, statistics.Mean(0), 12);
        Assert.Equal(8.0 / 3, statistics.Variance(0), 12);
        Assert.True(statistics.IsConstant(1));
        Assert.False(statistics.IsConstant(0));
        Assert.Throws<ArgumentException>(() => statistics.Add([1f, 2f, 3f]));
    }
}
