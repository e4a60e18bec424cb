"""Amazon Bedrock Runtime on the local stack: ``Converse`` and ``ConverseStream``.

The agent's ``BedrockModel`` is the same code as on AWS; boto3 reaches the stack through
``AWS_ENDPOINT_URL_BEDROCK_RUNTIME``. moto routes the signed requests and its
serializers write AWS's wire format (JSON for ``Converse``, the binary event stream for
``ConverseStream``); :mod:`.converse` answers them with :mod:`.scripted`, a
deterministic model for the customer-support agent.
"""
