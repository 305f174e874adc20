using MLNet.Extensions.Trainers.Models;

namespace MLNet.Extensions.Trainers.Training;

/// <summary>Running mean and variance of each regression target component (Welford's update, in double), for <see cref="TargetScaling"/>.</summary>
internal sealed class TargetMoments
{
    private readonly double[] _mean;
    private readonly double[] _squares;
    private long _count;

    public TargetMoments(int components)
    {
        _mean = new double[components];
        _squares = new double[components];
    }

    /// <summary>Adds the targets of a filled batch.</summary>
    public void Add(TrainingBatch batch)
    {
        int k = _mean.Length;
        for (int i = 0; i < batch.Count; i++)
        {
            _count++;
            for (int c = 0; c < k; c++)
            {
                double value = batch.Targets[i * k + c];
                double delta = value - _mean[c];
                _mean[c] += delta / _count;
                _squares[c] += delta * (value - _mean[c]);
            }
        }
    }

    /// <summary>The scaling of the targets added; a constant (or single-row) component keeps scale 1.</summary>
    public TargetScaling ToScaling()
    {
        var mean = new float[_mean.Length];
        var scale = new float[_mean.Length];
        for (int c = 0; c < mean.Length; c++)
        {
            mean[c] = (float)_mean[c];
            double sd = _count > 1 ? Math.Sqrt(_squares[c] / _count) : 0;
            scale[c] = sd > 1e-12 * Math.Max(1, Math.Abs(_mean[c])) && double.IsFinite(sd) ? (float)sd : 1f;
        }
        return new TargetScaling(mean, scale);
    }
}
