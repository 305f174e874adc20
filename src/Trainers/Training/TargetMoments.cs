using MLNet.Extensions.Trainers.Models;

namespace MLNet.Extensions.Trainers.Training;

/// <summary>
/// Running mean and variance of each regression target component (weighted Welford update, in double), for
/// <see cref="TargetScaling"/>. Rows count by their example weight, so rows of weight 0 do not move the scaling.
/// </summary>
internal sealed class TargetMoments
{
    private readonly double[] _mean;
    private readonly double[] _squares;
    private double _weight;

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
            double w = batch.HasWeights ? batch.Weights[i] : 1;
            if (w <= 0)
                continue;
            _weight += w;
            for (int c = 0; c < k; c++)
            {
                double value = batch.Targets[i * k + c];
                double delta = value - _mean[c];
                _mean[c] += w / _weight * delta;
                _squares[c] += w * delta * (value - _mean[c]);
            }
        }
    }

    /// <summary>The scaling of the targets added; a constant (or single-row) component keeps scale 1, and no weight at all gives mean 0.</summary>
    public TargetScaling ToScaling()
    {
        var mean = new float[_mean.Length];
        var scale = new float[_mean.Length];
        for (int c = 0; c < mean.Length; c++)
        {
            mean[c] = (float)_mean[c];
            double sd = _weight > 0 ? Math.Sqrt(Math.Max(0, _squares[c]) / _weight) : 0;
            scale[c] = sd > 1e-12 * Math.Max(1, Math.Abs(_mean[c])) && double.IsFinite(sd) ? (float)sd : 1f;
        }
        return new TargetScaling(mean, scale);
    }
}
