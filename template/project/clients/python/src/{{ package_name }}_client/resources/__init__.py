"""The API's resources, one package each: its models, its calls and its client methods.

`Client` and `AsyncClient` inherit every resource's methods (`create_product`, ...); the
package of the client exports every resource's models.
"""
