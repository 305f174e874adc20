using MLNet.Extensions.Trainers.Training;
using ScottPlot;

namespace MLNet.Extensions.Samples;

/// <summary>The PNG plots the samples write with ScottPlot.</summary>
public static class Plots
{
    /// <summary>Train and validation loss per epoch (left axis) and the validation metric (right axis).</summary>
    public static void TrainingCurves(IReadOnlyList<TrainingProgress> history, string title, string path)
    {
        var plot = new Plot();
        double[] epochs = history.Select(p => (double)p.Epoch).ToArray();
        var train = plot.Add.Scatter(epochs, history.Select(p => p.TrainLoss).ToArray());
        train.LegendText = "train loss";
        if (history.All(p => p.ValidationLoss is not null))
        {
            var validation = plot.Add.Scatter(epochs, history.Select(p => p.ValidationLoss!.Value).ToArray());
            validation.LegendText = "validation loss";
            var metric = plot.Add.Scatter(epochs, history.Select(p => p.ValidationMetric!.Value).ToArray());
            metric.LegendText = $"validation {history[0].MetricName} (right axis)";
            metric.Axes.YAxis = plot.Axes.Right;
            metric.LinePattern = LinePattern.Dashed;
            plot.Axes.Right.Label.Text = history[0].MetricName;
        }
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel("loss");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(Edge.Bottom);
        plot.SavePng(path, 900, 560);
    }

    /// <summary>A confusion matrix: counts per (true, predicted) class, darker for more, with the count in each cell.</summary>
    public static void ConfusionMatrix(int[,] counts, IReadOnlyList<string> classes, string title, string path)
    {
        int n = classes.Count;
        var intensities = new double[n, n];
        int max = 1;
        foreach (int c in counts)
            max = Math.Max(max, c);
        // Negated log counts: Blues maps low values to dark, and the log keeps small confusions visible.
        for (int t = 0; t < n; t++)
            for (int p = 0; p < n; p++)
                intensities[t, p] = -Math.Log(1 + counts[t, p]);
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(intensities);
        heatmap.Colormap = new ScottPlot.Colormaps.Blues();
        heatmap.Rectangle = new CoordinateRect(-0.5, n - 0.5, n - 0.5, -0.5);
        // The y axis runs downwards (true class 0 at the top, as confusion matrices are read); the heatmap's rows follow it.
        heatmap.FlipVertically = true;
        for (int t = 0; t < n; t++)
        {
            for (int p = 0; p < n; p++)
            {
                var text = plot.Add.Text(counts[t, p].ToString(), p, t);
                text.LabelFontSize = 13;
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontColor = counts[t, p] > max / 3 ? Colors.White : Colors.Black;
            }
        }
        double[] positions = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, classes.ToArray());
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, classes.ToArray());
        plot.Axes.SetLimits(-0.5, n - 0.5, n - 0.5, -0.5);
        plot.Title(title);
        plot.XLabel("predicted");
        plot.YLabel("true");
        plot.SavePng(path, 640, 600);
    }

    /// <summary>A series against its forecasts with the forecasts' bounds as a band.</summary>
    public static void Forecast(DateTime[] dates, double[] truth, double[] forecast, double[] lower, double[] upper, string title, string path)
    {
        var plot = new Plot();
        double[] xs = dates.Select(d => d.ToOADate()).ToArray();
        var band = plot.Add.FillY(xs, lower, upper);
        band.FillColor = Colors.OrangeRed.WithAlpha(0.2);
        band.LineColor = Colors.Transparent;
        band.LegendText = "95% bounds";
        var measured = plot.Add.Scatter(xs, truth);
        measured.LegendText = "measured";
        measured.Color = Colors.Black;
        measured.MarkerSize = 3;
        var predicted = plot.Add.Scatter(xs, forecast);
        predicted.LegendText = "forecast (one month ahead)";
        predicted.Color = Colors.OrangeRed;
        predicted.MarkerSize = 0;
        plot.Axes.DateTimeTicksBottom();
        plot.Title(title);
        plot.YLabel("CO2 (ppm)");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 1000, 520);
    }
}
