"""Reading traces: CloudWatch's ``aws/spans`` on AWS, and the notebook's views of them.

On the local stack the backend reads the stack's own store; both give
``helpers.wire.spans.SpanRecord`` values, turned into interactions by the model.
"""
