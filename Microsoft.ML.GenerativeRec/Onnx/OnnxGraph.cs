using Microsoft.ML.Model.OnnxConverter;

namespace Microsoft.ML.GenerativeRec.Onnx;

/// <summary>Emits ONNX operators into an ML.NET <see cref="OnnxContext"/>: one call per operator, each returning its output variable.</summary>
/// <remarks>
/// <para>
/// Every node, intermediate variable and constant is named under one scope (e.g. <c>GenerativeRec/</c>), so that none
/// shadows an IDataView column of the pipeline: the context maps names to columns, and a variable named like a column
/// would replace it. Intermediate variables carry no declared type; ONNX Runtime infers them.
/// </para>
/// <para>
/// Operators are those of opset 12 (attributes where later opsets take inputs: <c>axes</c> of Unsqueeze, Squeeze and
/// the reductions, <c>split</c> of Split) plus ai.onnx.ml's LabelEncoder. Shapes in the writers' comments: B rows, n ids
/// per row, W the encoder's width (min(n, MaxSequenceLength), at least 1), K the list length; D, H, V as in the encoders.
/// </para>
/// </remarks>
internal sealed class OnnxGraph
{
    /// <summary>The ai.onnx.ml domain, home of LabelEncoder.</summary>
    public const string MLDomain = "ai.onnx.ml";

    private readonly OnnxContext _context;
    private readonly string _scope;

    /// <param name="context">Where the nodes go.</param>
    /// <param name="scope">The prefix of every name this graph makes.</param>
    public OnnxGraph(OnnxContext context, string scope)
    {
        _context = context;
        _scope = scope;
    }

    /// <summary>Gets the context the nodes go to.</summary>
    public OnnxContext Context => _context;

    /// <summary>The name <paramref name="name"/> under this graph's scope, for constants added to <see cref="Context"/> directly.</summary>
    public string Scoped(string name) => _scope + name;

    /// <summary>Adds a node with several outputs.</summary>
    /// <returns>The output variables.</returns>
    public string[] Node(string opType, IReadOnlyList<string> inputs, int outputCount, Action<OnnxNode>? setAttributes = null, string domain = "")
    {
        var outputs = new string[outputCount];
        for (int i = 0; i < outputCount; i++)
        {
            outputs[i] = _context.AddIntermediateVariable(null!, _scope + opType, skip: true);
        }

        var node = _context.CreateNode(opType, inputs, outputs, _context.GetNodeName(_scope + opType), domain);
        setAttributes?.Invoke(node);
        return outputs;
    }

    /// <summary>Adds a node with one output.</summary>
    public string Node(string opType, IReadOnlyList<string> inputs, Action<OnnxNode>? setAttributes = null, string domain = "")
        => Node(opType, inputs, 1, setAttributes, domain)[0];

    /// <summary>Adds a node that copies <paramref name="input"/> into the existing variable <paramref name="output"/>.</summary>
    public void Identity(string input, string output)
        => _context.CreateNode("Identity", [input], [output], _context.GetNodeName(_scope + "Identity"), "");

    // Constants.

    /// <summary>A float32 scalar constant.</summary>
    public string Scalar(float value) => _context.AddInitializer(value, _scope + "float");

    /// <summary>An int64 scalar constant.</summary>
    public string Scalar(long value) => _context.AddInitializer(value, _scope + "int64");

    /// <summary>A one-dimensional int64 constant.</summary>
    public string Int64s(params long[] values) => _context.AddInitializer(values, [values.Length], _scope + "int64s");

    /// <summary>A float32 constant of shape <paramref name="dims"/>.</summary>
    public string Floats(string name, float[] values, params long[] dims) => _context.AddInitializer(values, dims, _scope + name);

    /// <summary>An int64 constant of shape <paramref name="dims"/>.</summary>
    public string Int64s(string name, long[] values, params long[] dims) => _context.AddInitializer(values, dims, _scope + name);

    // Element-wise operators (numpy broadcasting).

    public string Add(string a, string b) => Node("Add", [a, b]);

    public string Sub(string a, string b) => Node("Sub", [a, b]);

    public string Mul(string a, string b) => Node("Mul", [a, b]);

    public string Div(string a, string b) => Node("Div", [a, b]);

    public string Max(string a, string b) => Node("Max", [a, b]);

    public string Min(string a, string b) => Node("Min", [a, b]);

    public string Equal(string a, string b) => Node("Equal", [a, b]);

    public string Less(string a, string b) => Node("Less", [a, b]);

    public string Greater(string a, string b) => Node("Greater", [a, b]);

    public string And(string a, string b) => Node("And", [a, b]);

    public string Not(string x) => Node("Not", [x]);

    /// <summary>Picks <paramref name="whenTrue"/> where <paramref name="condition"/> holds, else <paramref name="whenFalse"/>.</summary>
    public string Where(string condition, string whenTrue, string whenFalse) => Node("Where", [condition, whenTrue, whenFalse]);

    public string Abs(string x) => Node("Abs", [x]);

    public string Sqrt(string x) => Node("Sqrt", [x]);

    public string Log(string x) => Node("Log", [x]);

    public string Floor(string x) => Node("Floor", [x]);

    public string Sigmoid(string x) => Node("Sigmoid", [x]);

    public string Relu(string x) => Node("Relu", [x]);

    /// <summary>Clamps to [<paramref name="min"/>, <paramref name="max"/>], scalars of the input's type.</summary>
    public string Clip(string x, string min, string max) => Node("Clip", [x, min, max]);

    /// <summary>Converts to the element type of <paramref name="to"/> (<c>typeof(long)</c>, <c>typeof(float)</c>, ...).</summary>
    public string Cast(string x, Type to) => Node("Cast", [x], n => n.AddAttribute("to", to));

    // Shape and indexing operators.

    public string MatMul(string a, string b) => Node("MatMul", [a, b]);

    public string Shape(string x) => Node("Shape", [x]);

    public string Unsqueeze(string x, params long[] axes) => Node("Unsqueeze", [x], n => n.AddAttribute("axes", axes));

    public string Squeeze(string x, params long[] axes) => Node("Squeeze", [x], n => n.AddAttribute("axes", axes));

    public string Transpose(string x, params long[] permutation) => Node("Transpose", [x], n => n.AddAttribute("perm", permutation));

    /// <summary>Reshapes to <paramref name="shape"/>, where 0 copies the input's size and −1 takes what is left.</summary>
    public string Reshape(string x, params long[] shape) => Node("Reshape", [x, Int64s(shape)]);

    public string Concat(long axis, params string[] inputs) => Node("Concat", inputs, n => n.AddAttribute("axis", axis));

    /// <summary>Takes the entries of <paramref name="data"/> at <paramref name="indices"/> along <paramref name="axis"/>.</summary>
    public string Gather(string data, string indices, long axis = 0) => Node("Gather", [data, indices], n => n.AddAttribute("axis", axis));

    /// <summary>Slices along <paramref name="axis"/> from <paramref name="start"/> to <paramref name="end"/>, both one-element int64 tensors.</summary>
    public string Slice(string x, string start, string end, long axis) => Node("Slice", [x, start, end, Int64s(axis)]);

    /// <summary>Copies <paramref name="data"/> with <paramref name="updates"/> written at <paramref name="indices"/> along <paramref name="axis"/>.</summary>
    public string ScatterElements(string data, string indices, string updates, long axis)
        => Node("ScatterElements", [data, indices, updates], n => n.AddAttribute("axis", axis));

    /// <summary>The integers start, start + 1, ... below <paramref name="limit"/>; all three are int64 scalars.</summary>
    public string Range(string start, string limit) => Node("Range", [start, limit, Scalar(1L)]);

    /// <summary>Float32 zeros of the shape held in the one-dimensional int64 tensor <paramref name="shape"/>.</summary>
    public string Zeros(string shape) => Node("ConstantOfShape", [shape]);

    public string CumSum(string x, long axis) => Node("CumSum", [x, Scalar(axis)]);

    public string ReduceSum(string x, long axis, bool keepDims)
        => Node("ReduceSum", [x], n => { n.AddAttribute("axes", [axis]); n.AddAttribute("keepdims", keepDims ? 1L : 0L); });

    public string ReduceMean(string x, long axis)
        => Node("ReduceMean", [x], n => { n.AddAttribute("axes", [axis]); n.AddAttribute("keepdims", 1L); });

    public string Softmax(string x, long axis) => Node("Softmax", [x], n => n.AddAttribute("axis", axis));

    /// <summary>Splits the last axis into parts of the given widths.</summary>
    public string[] Split(string x, params long[] widths)
        => Node("Split", [x], widths.Length, n => { n.AddAttribute("axis", -1L); n.AddAttribute("split", widths); });

    /// <summary>The <paramref name="k"/> largest entries along the last axis, best first, ties by lower index (ONNX TopK).</summary>
    /// <returns>The values and their int64 indices.</returns>
    public (string Values, string Indices) TopK(string x, string k)
    {
        var outputs = Node("TopK", [x, k], 2, n => { n.AddAttribute("axis", -1L); n.AddAttribute("largest", 1L); n.AddAttribute("sorted", 1L); });
        return (outputs[0], outputs[1]);
    }

    // Layers.

    /// <summary>x · σ(x), SiLU.</summary>
    public string Silu(string x) => Mul(x, Sigmoid(x));

    /// <summary>Layer normalisation over the last axis without scale or bias: (x − mean) / √(var + ε), var biased.</summary>
    /// <remarks>Written out because LayerNormalization is an opset 17 operator.</remarks>
    public string LayerNorm(string x, double epsilon)
    {
        var centred = Sub(x, ReduceMean(x, -1));
        var variance = ReduceMean(Mul(centred, centred), -1);
        return Div(centred, Sqrt(Add(variance, Scalar((float)epsilon))));
    }

    /// <summary>x · Wᵀ + b for a weight already stored transposed.</summary>
    /// <param name="x">[..., in].</param>
    /// <param name="transposedWeight">[in, out].</param>
    /// <param name="bias">[out], or null.</param>
    public string Linear(string x, string transposedWeight, string? bias)
    {
        var product = MatMul(x, transposedWeight);
        return bias is null ? product : Add(product, bias);
    }
}
