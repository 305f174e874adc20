using MLNet.Extensions.Kernels.Losses;

namespace MLNet.Extensions.Trainers.Training;

/// <summary>The loss and validation metric of a <see cref="PredictionTask"/>, over a network's raw outputs (logits).</summary>
internal sealed class LossFunction
{
    private readonly PredictionTask _task;
    private readonly int _outputs;
    private readonly float[]? _targetScales;
    private float[] _probabilities = [];

    /// <summary>
    /// A loss for <paramref name="task"/>; <paramref name="targetScales"/> (regression on standardised targets) are the
    /// per-output scales, so that the loss and RMSE are reported in the label's units while the gradient stays in the
    /// standardised units the network learns.
    /// </summary>
    public LossFunction(PredictionTask task, int outputs, float[]? targetScales = null)
    {
        _task = task;
        _outputs = outputs;
        _targetScales = targetScales;
    }

    /// <summary>Name of the validation metric: accuracy for classification, RMSE for regression.</summary>
    public string MetricName => _task == PredictionTask.Regression ? "rmse" : "accuracy";

    /// <summary>
    /// Returns the summed loss of the batch and writes dOutputs := d(mean loss)/d(outputs). With <see cref="TrainingBatch.Weights"/>
    /// each sample's loss is multiplied by its weight and the mean is still over the samples (a weight of 2 counts a row
    /// twice); the metric (accuracy, RMSE) stays unweighted.
    /// </summary>
    public double Compute(TrainingBatch batch, ReadOnlySpan<float> outputs, Span<float> dOutputs, out double metricSum)
    {
        int n = batch.Count;
        if (_probabilities.Length < n * _outputs)
            _probabilities = new float[batch.Capacity * _outputs];
        Span<float> probabilities = _probabilities.AsSpan(0, n * _outputs);
        float scale = 1f / n;
        ReadOnlySpan<float> weights = batch.HasWeights ? batch.Weights.AsSpan(0, n) : [];
        double loss;
        switch (_task)
        {
            case PredictionTask.MulticlassClassification:
                loss = SoftmaxCrossEntropy.Forward(n, _outputs, outputs, batch.ClassLabels.AsSpan(0, n), weights, probabilities);
                if (!dOutputs.IsEmpty)
                    SoftmaxCrossEntropy.Backward(n, _outputs, probabilities, batch.ClassLabels.AsSpan(0, n), weights, scale, dOutputs);
                metricSum = CountCorrect(probabilities, batch.ClassLabels.AsSpan(0, n));
                break;
            case PredictionTask.BinaryClassification:
                loss = SigmoidBinaryCrossEntropy.Forward(outputs, batch.Targets.AsSpan(0, n), weights, probabilities);
                if (!dOutputs.IsEmpty)
                    SigmoidBinaryCrossEntropy.Backward(probabilities, batch.Targets.AsSpan(0, n), weights, scale, dOutputs);
                metricSum = 0;
                for (int i = 0; i < n; i++)
                    metricSum += (probabilities[i] >= 0.5f) == (batch.Targets[i] >= 0.5f) ? 1 : 0;
                break;
            default:
                ReadOnlySpan<float> targets = batch.Targets.AsSpan(0, n * _outputs);
                if (!dOutputs.IsEmpty)
                    MeanSquaredError.Backward(_outputs, outputs, targets, weights, scale / _outputs, dOutputs);
                if (_targetScales is null && weights.IsEmpty)
                {
                    loss = MeanSquaredError.Forward(_outputs, outputs, targets, []) / _outputs;
                    metricSum = loss;
                }
                else
                {
                    loss = LabelUnitsSquaredError(outputs, targets, weights, out double unweighted) / _outputs;
                    metricSum = unweighted / _outputs;
                }
                break;
        }
        return loss;
    }

    /// <summary>Turns summed metric values over <paramref name="samples"/> samples into the reported metric.</summary>
    public double FinishMetric(double metricSum, long samples) =>
        _task == PredictionTask.Regression ? Math.Sqrt(metricSum / samples) : metricSum / samples;

    // Summed squared error after undoing any standardisation, (scale * (output - target))^2 per component, times each
    // sample's weight; the unweighted sum (for the RMSE metric) in unweighted.
    private double LabelUnitsSquaredError(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, ReadOnlySpan<float> weights,
        out double unweighted)
    {
        double sum = 0;
        unweighted = 0;
        for (int i = 0; i < targets.Length; i++)
        {
            double d = (_targetScales is null ? 1 : _targetScales[i % _outputs]) * ((double)outputs[i] - targets[i]);
            unweighted += d * d;
            sum += (weights.IsEmpty ? 1 : weights[i / _outputs]) * d * d;
        }
        return sum;
    }

    private int CountCorrect(ReadOnlySpan<float> probabilities, ReadOnlySpan<int> labels)
    {
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            ReadOnlySpan<float> row = probabilities.Slice(i * _outputs, _outputs);
            int best = 0;
            for (int c = 1; c < row.Length; c++)
            {
                if (row[c] > row[best])
                    best = c;
            }
            correct += best == labels[i] ? 1 : 0;
        }
        return correct;
    }
}
