using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Transforms.DataViews;

namespace MLNet.Extensions.Transforms.Sequences;

/// <summary>
/// The output of <see cref="SlidingWindowTransformer.Transform"/>: one sequential cursor that remembers the last raw rows,
/// skips rows until a window is complete, emits every Stride-th window, and passes the current row's columns through.
/// </summary>
internal sealed class SlidingWindowDataView : SeriesDataView
{
    private readonly SlidingWindowTransformer _parent;

    public SlidingWindowDataView(SlidingWindowTransformer parent, IDataView input, DataViewSchema schema)
        : base(parent.Host, input, schema, parent.Options.InputColumnName, keepsEveryRow: false)
    {
        _parent = parent;
    }

    protected override DataViewRowCursor CreateCursor(DataViewRowCursor input, HashSet<int> active) => new Cursor(this, input, active);

    private sealed class Cursor : SeriesCursor
    {
        private readonly SlidingWindowOptions _options;
        private readonly int _features;
        private readonly Func<float[]> _read;
        private readonly float[][] _history;
        private readonly float[] _window;
        private readonly float[] _target;
        private readonly float[] _column;
        private long _seen;
        private long _position = -1;

        public Cursor(SlidingWindowDataView view, DataViewRowCursor input, HashSet<int> active)
            : base(view, input, active)
        {
            _options = view._parent.Options;
            _features = view._parent.FeaturesPerStep;
            _history = new float[_options.History][];
            for (int i = 0; i < _history.Length; i++)
                _history[i] = new float[_features];
            _window = new float[_options.WindowSize * _features];
            _target = new float[_features];
            _column = new float[_options.History];
            DataViewSchema.Column series = input.Schema[_options.InputColumnName];
            if (_features == 1)
            {
                ValueGetter<float> getter = input.GetGetter<float>(series);
                var one = new float[1];
                _read = () => { getter(ref one[0]); return one; };
            }
            else
            {
                ValueGetter<VBuffer<float>> getter = input.GetGetter<VBuffer<float>>(series);
                VBuffer<float> buffer = default;
                var values = new float[_features];
                _read = () => { getter(ref buffer); buffer.CopyTo(values); return values; };
            }
        }

        public override long Position => _position;

        public override bool MoveNext()
        {
            while (InputCursor.MoveNext())
            {
                ThrowIfCancelled();
                // Shift the history left by one row and append the newest values.
                float[] oldest = _history[0];
                Array.Copy(_history, 1, _history, 0, _history.Length - 1);
                float[] values = _read();
                if (!_options.AllowNonFiniteValues)
                    CheckFinite(values);
                values.CopyTo(oldest, 0);
                _history[^1] = oldest;
                _seen++;
                long windowIndex = _seen - _history.Length;
                if (windowIndex < 0 || windowIndex % _options.Stride != 0)
                    continue;
                Fill();
                _position++;
                return true;
            }
            return false;
        }

        private void CheckFinite(float[] values)
        {
            for (int f = 0; f < values.Length; f++)
            {
                if (!float.IsFinite(values[f]))
                    throw new InvalidOperationException(
                        $"Series column '{_options.InputColumnName}' has a non-finite value ({values[f]}) at row {InputCursor.Position}" +
                        (values.Length > 1 ? $", feature {f}" : "") + "; replace missing values first, or set AllowNonFiniteValues to pass them into the windows.");
            }
        }

        /// <summary>Window and target from the history, differenced <c>DifferencingOrder</c> times.</summary>
        private void Fill()
        {
            int d = _options.DifferencingOrder, t = _options.WindowSize, h = _options.Horizon;
            Span<float> column = _column;
            for (int f = 0; f < _features; f++)
            {
                for (int i = 0; i < column.Length; i++)
                    column[i] = _history[i][f];
                // Differenced value k is the one ending at raw position d + k of the window span [0, t + h).
                Differencing.ApplyInPlace(column, d);
                for (int k = 0; k < t; k++)
                    _window[k * _features + f] = column[k];
                _target[f] = column[t + h - 1];
            }
        }

        protected override Delegate AppendedGetter(int index)
        {
            if (index == 0)
                return VectorGetter(_window);
            if (_features == 1 || _options.TargetFeatureIndex is not null)
            {
                int f = _options.TargetFeatureIndex ?? 0;
                ValueGetter<float> scalar = (ref float value) => value = _target[f];
                return scalar;
            }
            return VectorGetter(_target);
        }
    }
}
