using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;

namespace MLNet.Extensions.Benchmarks.Common;

/// <summary>
/// A short job (these machines are shared and noisy: we compare medians and ratios to a baseline in the same run)
/// with the median and baseline-ratio columns shown.
/// </summary>
public sealed class ShortRunConfig : ManualConfig
{
    /// <summary>3 warmups, 7 measured iterations, one launch; median and ratio columns.</summary>
    public ShortRunConfig()
    {
        AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(7).WithLaunchCount(1).WithId("short"));
        AddColumn(StatisticColumn.Median, BaselineRatioColumn.RatioMean);
        SummaryStyle = SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend);
    }
}
